import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../../runtime/kernels/hash.js";
import { takeBatch } from "../../../../runtime/kernels/take.js";
import { UpsertAggregateOperator } from "../../../../runtime/operators/aggregate/upsert-aggregate.js";
import { columnsOf } from "../../../../runtime/types/column.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { batchFromRows, seededRng } from "../../../helpers/random.js";
import { throughStorage } from "../../../helpers/snapshots.js";

const FIELDS: FieldSpec[] = [
  { name: "k", type: "utf8" },
  { name: "bidder", type: "int64" },
  { name: "price", type: "int64" },
];
const AGGREGATES = [
  "count(*) AS n",
  "sum(price) AS total",
  "min(price) AS lo",
  "max(price) AS hi",
  "count(distinct bidder) AS bidders",
];
const MAX_PARALLELISM = 16;
type Row = Record<string, unknown>;
type Input = { k: string | null; bidder: number; price: number };

function operator(keys: string[]) {
  const schema = batchFromRows(FIELDS, []).schema;
  return new UpsertAggregateOperator({
    name: "pipeline[1].upsertAggregate",
    input: { schema, keys },
    keys,
    aggregates: AGGREGATES,
    maxParallelism: MAX_PARALLELISM,
  });
}

function randomBatches(seed: number, batches: number): RecordBatch[] {
  const rng = seededRng(seed);
  return Array.from({ length: batches }, () =>
    batchFromRows(
      FIELDS,
      Array.from(
        { length: 1 + rng.int(0, 49) },
        (): Input => ({
          k: rng.int(0, 19) === 0 ? null : `k${rng.int(0, 29)}`,
          bidder: rng.int(0, 9),
          price: rng.int(0, 999),
        }),
      ),
    ),
  );
}

/** The result table: the last row per key over every output row, in order. */
function table(rows: Row[], keys: string[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) out.set(JSON.stringify(keys.map((k) => r[k])), r);
  return out;
}

/** The same aggregates, row at a time, over all input rows. */
function reference(batches: RecordBatch[], keys: string[]): Map<string, Row> {
  const groups = new Map<string, { row: Row; prices: number[]; bidders: Set<number> }>();
  for (const row of batches.flatMap(batchRows)) {
    const id = JSON.stringify(keys.map((k) => row[k]));
    let g = groups.get(id);
    if (!g)
      groups.set(id, (g = { row: Object.fromEntries(keys.map((k) => [k, row[k]])), prices: [], bidders: new Set() }));
    g.prices.push(Number(row.price));
    g.bidders.add(Number(row.bidder));
  }
  const out = new Map<string, Row>();
  for (const [id, g] of groups)
    out.set(id, {
      ...g.row,
      n: g.prices.length,
      total: g.prices.reduce((a, b) => a + b, 0),
      lo: Math.min(...g.prices),
      hi: Math.max(...g.prices),
      bidders: g.bidders.size,
    });
  return out;
}

/** Output rows with numbers as numbers (bigint counts and sums compare with the reference's). */
function plain(rows: Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
  );
}

/** Feeds batches as a keyed exchange would: each row to the subtask owning its key group. */
function run(ops: UpsertAggregateOperator[], batches: RecordBatch[], keys: string[]): Row[] {
  const out: Row[] = [];
  for (const batch of batches) {
    if (ops.length === 1) {
      out.push(...plain(ops[0].processBatch(batch, 0).flatMap(batchRows)));
      continue;
    }
    const cols = columnsOf(batch);
    const names = batch.schema.fields.map((f) => f.name);
    const kgs = keyGroups(
      hashRows(
        keys.map((k) => cols[names.indexOf(k)]),
        batch.numRows,
      ),
      MAX_PARALLELISM,
    );
    ops.forEach((op, subtask) => {
      const rows = Int32Array.from(
        [...kgs.keys()].filter((i) => subtaskForKeyGroup(kgs[i], ops.length, MAX_PARALLELISM) === subtask),
      );
      if (rows.length > 0) out.push(...plain(op.processBatch(takeBatch(batch, rows), 0).flatMap(batchRows)));
    });
  }
  return out;
}

describe("UpsertAggregateOperator", () => {
  it("emits each key the batch changed, once, with its new value; an upsert stream on the keys", () => {
    const op = operator(["k"]);
    expect(op.output.upsertKey).toEqual(["k"]);
    expect(op.output.timeField).toBeUndefined();
    const first = plain(
      op
        .processBatch(
          batchFromRows(FIELDS, [
            { k: "a", bidder: 1, price: 10 },
            { k: "b", bidder: 1, price: 5 },
            { k: "a", bidder: 2, price: 30 },
          ]),
          0,
        )
        .flatMap(batchRows),
    );
    expect(first).toEqual([
      { k: "a", n: 2, total: 40, lo: 10, hi: 30, bidders: 2 },
      { k: "b", n: 1, total: 5, lo: 5, hi: 5, bidders: 1 },
    ]);
    const second = plain(
      op.processBatch(batchFromRows(FIELDS, [{ k: "a", bidder: 2, price: 1 }]), 0).flatMap(batchRows),
    );
    expect(second).toEqual([{ k: "a", n: 3, total: 41, lo: 1, hi: 30, bidders: 2 }]);
    expect(op.processWatermark(Number.POSITIVE_INFINITY)).toEqual([]);
  });

  for (const keys of [["k"], ["k", "bidder"], []]) {
    const label = `[${keys.join(", ")}]`;
    it(`${label}: the last row per key equals a row-at-a-time reference`, () => {
      const batches = randomBatches(7 + keys.length, 40);
      expect(table(run([operator(keys)], batches, keys), keys)).toEqual(reference(batches, keys));
    });

    it(`${label}: a restored operator finishes like an uninterrupted one, also rescaled 1 -> 3 by key group`, () => {
      const batches = randomBatches(70 + keys.length, 40);
      const before = batches.slice(0, 17);
      const after = batches.slice(17);
      const whole = run([operator(keys)], batches, keys);
      const first = operator(keys);
      const out1 = run([first], before, keys);
      const snapshot = first.snapshot();
      // Updates after the snapshot must not show in it (copy-on-write).
      const continued = run([first], after, keys);
      expect([...out1, ...continued]).toEqual(whole);
      const second = operator(keys);
      second.restore(throughStorage(snapshot));
      expect([...out1, ...run([second], after, keys)]).toEqual(whole);
      const parallelism = keys.length === 0 ? 1 : 3;
      const rescaled = Array.from({ length: parallelism }, (_, subtask) => {
        const op = operator(keys);
        op.restore(throughStorage(snapshot, (kg) => subtaskForKeyGroup(kg, parallelism, MAX_PARALLELISM) === subtask));
        return op;
      });
      const final = table([...out1, ...run(rescaled, after, keys)], keys);
      expect(final).toEqual(reference(batches, keys));
    });
  }

  it("refuses a restore into a step with other aggregates", () => {
    const op = operator(["k"]);
    op.processBatch(randomBatches(1, 1)[0], 0);
    const other = new UpsertAggregateOperator({ ...op.options, aggregates: ["count(*) AS n"] });
    expect(() => other.restore(throughStorage(op.snapshot()))).toThrow(/aggregates/);
  });
});
