import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { generatorConfig, kindGenerator } from "../../../../runtime/connectors/generator/config.js";
import { GeneratorSource } from "../../../../runtime/connectors/generator/source.js";
import type { GeneratorKind, GeneratorSourceSpec } from "../../../../runtime/contract/spec/schema.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";

const KINDS: GeneratorKind[] = ["nexmark-person", "nexmark-auction", "nexmark-bid", "card-transactions"];

function source(spec: GeneratorSourceSpec, subtask = 0, parallelism = 1): GeneratorSource {
  const config = generatorConfig(spec);
  const gen = kindGenerator(config.kind, config.seed);
  return new GeneratorSource(config, gen, gen.timeField, { subtask, parallelism });
}

async function drain(src: GeneratorSource): Promise<{ split: number; batch: RecordBatch }[]> {
  await src.open();
  const out: { split: number; batch: RecordBatch }[] = [];
  for (let got = await src.next(); got; got = await src.next()) out.push(got);
  return out;
}

/** The rows of every subtask's splits, put back in event-index order (event k is row k/P of split k%P). */
async function allEvents(spec: GeneratorSourceSpec, parallelism: number): Promise<Row[]> {
  const P = spec.partitions ?? 1;
  const perSplit: Row[][] = Array.from({ length: P }, () => []);
  for (let s = 0; s < parallelism; s++)
    for (const { split, batch } of await drain(source(spec, s, parallelism))) perSplit[split].push(...batchRows(batch));
  const out: Row[] = [];
  for (let k = 0; k < (spec.count ?? 0); k++) out.push(perSplit[k % P][Math.floor(k / P)]);
  return out;
}

describe.each(KINDS)("generator %s", (kind) => {
  it("makes the same events for the same seed whatever the batch size, partitions and parallelism", async () => {
    const count = 5000;
    const reference = await allEvents({ kind, seed: 7, count, batchSize: 8192 }, 1);
    expect(reference).toHaveLength(count);
    expect(await allEvents({ kind, seed: 7, count, batchSize: 333 }, 1)).toEqual(reference);
    expect(await allEvents({ kind, seed: 7, count, batchSize: 500, partitions: 4 }, 3)).toEqual(reference);
    expect(await allEvents({ kind, seed: 7, count, batchSize: 64, partitions: 7 }, 7)).toEqual(reference);
  });

  it("makes other events for another seed", async () => {
    const a = await allEvents({ kind, seed: 1, count: 100 }, 1);
    const b = await allEvents({ kind, seed: 2, count: 100 }, 1);
    expect(a).not.toEqual(b);
  });

  it("emits exactly `count` events over all subtasks, in batches of at most batchSize", async () => {
    const spec = { kind, count: 10_001, batchSize: 1000, partitions: 5 };
    let total = 0;
    for (let s = 0; s < 2; s++) {
      for (const { batch } of await drain(source(spec, s, 2))) {
        expect(batch.numRows).toBeLessThanOrEqual(1000);
        total += batch.numRows;
      }
    }
    expect(total).toBe(10_001);
  });

  it("has non-null columns with the kind's event time as a timestamp[ms] column", async () => {
    const gen = kindGenerator(kind, 1);
    const batch = gen.generate(0, 1, 100);
    expect(batch.schema.fields.every((f) => !f.nullable)).toBe(true);
    expect(String(batch.schema.fields.find((f) => f.name === gen.timeField)!.type)).toBe("Timestamp<MILLISECOND>");
    expect(batch.data.children.every((c) => c.nullCount === 0)).toBe(true);
  });

  it("restores from a position and continues with the same events", async () => {
    const spec = { kind, seed: 3, count: 3000, batchSize: 700, partitions: 2 };
    const whole = (await drain(source(spec))).flatMap((b) => batchRows(b.batch));
    const first = source(spec);
    await first.open();
    const head: Row[] = [];
    for (let i = 0; i < 3; i++) head.push(...batchRows((await first.next())!.batch));
    const resumed = source(spec);
    await resumed.open(first.position());
    const tail: Row[] = [];
    for (let got = await resumed.next(); got; got = await resumed.next()) tail.push(...batchRows(got.batch));
    expect(new Set([...head, ...tail].map((r) => JSON.stringify(r)))).toEqual(
      new Set(whole.map((r) => JSON.stringify(r))),
    );
    expect(head.length + tail.length).toBe(3000);
  });
});

describe("generator splits", () => {
  it("go round-robin to subtasks, and a subtask without one ends at once", async () => {
    expect(source({ kind: "nexmark-bid", partitions: 5 }, 1, 3).splits()).toEqual([1, 4]);
    expect(source({ kind: "nexmark-bid", partitions: 5 }, 2, 3).splits()).toEqual([2]);
    const idle = source({ kind: "nexmark-bid", partitions: 2 }, 2, 3);
    await idle.open();
    expect(await idle.next()).toBeNull();
  });

  it("report the events emitted per split as their position", async () => {
    const src = source({ kind: "nexmark-bid", partitions: 4, batchSize: 10 }, 1, 2);
    await src.open();
    await src.next();
    await src.next();
    await src.next();
    expect(src.position()).toEqual({ "1": "20", "3": "10" });
  });

  it("throttle to ratePerSecond", async () => {
    const src = source({ kind: "card-transactions", count: 300, ratePerSecond: 1000 });
    const t0 = performance.now();
    const batches = await drain(src);
    const elapsed = performance.now() - t0;
    expect(batches.reduce((s, b) => s + b.batch.numRows, 0)).toBe(300);
    expect(elapsed).toBeGreaterThan(250);
    // Small batches (~50 ms of events each), not one batch at the end.
    expect(batches.length).toBeGreaterThanOrEqual(6);
  });
});

describe("generator config", () => {
  it("fills in defaults", () => {
    expect(generatorConfig({ kind: "nexmark-bid" })).toEqual({
      kind: "nexmark-bid",
      seed: 42,
      count: null,
      ratePerSecond: null,
      batchSize: 8192,
      partitions: 1,
      columns: null,
    });
  });
  it("rejects impossible settings with the setting's name", () => {
    expect(() => generatorConfig({ kind: "nexmark-bid", batchSize: 0 })).toThrow(/generator.batchSize/);
    expect(() => generatorConfig({ kind: "nexmark-bid", partitions: 0 })).toThrow(/generator.partitions/);
    expect(() => generatorConfig({ kind: "nexmark-bid", count: -1 })).toThrow(/generator.count/);
  });
});

describe("generator columns", () => {
  const pick = (row: Row, names: string[]) => Object.fromEntries(names.map((n) => [n, row[n]]));
  const subsets: Record<GeneratorKind, string[][]> = {
    "nexmark-bid": [["auction", "price", "dateTime"], ["bidder"], ["url", "extra"], ["channel", "dateTime"]],
    "nexmark-person": [
      ["id", "dateTime"],
      ["name", "city"],
    ],
    "nexmark-auction": [["id", "seller", "dateTime"]],
    "card-transactions": [["amount"]],
    nexmark: [["event_type", "bid_auction", "dateTime"]],
  };

  it.each(Object.keys(subsets) as GeneratorKind[])(
    "%s: a subset of columns holds the same values, in the generator's order",
    (kind) => {
      const all = kindGenerator(kind, 5).generate(3, 4, 2000);
      const names = all.schema.fields.map((f) => f.name);
      for (const wanted of subsets[kind]) {
        const cols = wanted.filter((c) => names.includes(c));
        expect(cols, `columns of ${kind}`).toEqual(wanted);
        const some = kindGenerator(kind, 5, [...cols].reverse()).generate(3, 4, 2000);
        const order = names.filter((n) => cols.includes(n));
        expect(some.schema.fields.map((f) => f.name)).toEqual(order);
        expect(batchRows(some)).toEqual(batchRows(all).map((r) => pick(r, order)));
      }
    },
  );
});

describe("generator dictionaries", () => {
  it("are encoded once per process: every bid generator's channel and url columns share the values", () => {
    const dictionaryOf = (batch: RecordBatch, name: string) => batch.getChild(name)!.data[0].dictionary;
    const a = kindGenerator("nexmark-bid", 1).generate(0, 1, 100);
    const b = kindGenerator("nexmark-bid", 2).generate(0, 1, 100);
    for (const name of ["channel", "url"]) {
      expect(dictionaryOf(a, name), name).toBeDefined();
      expect(dictionaryOf(b, name), name).toBe(dictionaryOf(a, name));
    }
    // The padding depends on the seed, so each seed has its own.
    expect(dictionaryOf(b, "extra")).not.toBe(dictionaryOf(a, "extra"));
  });
});
