import { DataType, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { batchFromRows, seededRng } from "../../../helpers/random.js";
import {
  AGGREGATES,
  expectSameOutputs,
  FIELDS,
  type Interleaving,
  randomScript,
  runOperator,
  runReference,
  toBatch,
} from "./window-data.js";
import { type RefWindow, type Row, WindowReference } from "./window-reference.js";

const schema = toBatch(seededRng(1), []).schema;

const WINDOWS: [string, WindowSpec, RefWindow][] = [
  ["tumbling 10s", { type: "tumbling", size: "10s" }, { type: "aligned", size: 10_000, slide: 10_000 }],
  ["sliding 9s every 3s", { type: "sliding", size: "9s", slide: "3s" }, { type: "aligned", size: 9_000, slide: 3_000 }],
  [
    "sliding 10s every 4s",
    { type: "sliding", size: "10s", slide: "4s" },
    { type: "aligned", size: 10_000, slide: 4_000 },
  ],
  [
    "hopping 2s every 5s (gaps)",
    { type: "sliding", size: "2s", slide: "5s" },
    { type: "aligned", size: 2_000, slide: 5_000 },
  ],
  ["session gap 2s", { type: "session", gap: "2s" }, { type: "session", gap: 2_000 }],
  ["session gap 300ms", { type: "session", gap: "300ms" }, { type: "session", gap: 300 }],
];

const KEYS: string[][] = [["ks"], ["kd", "ki"], [], ["kb", "k32", "kf"]];
const INTERLEAVINGS: Interleaving[] = ["every-batch", "sparse", "at-end", "eager"];

function operator(window: WindowSpec, keys: string[], timeField = "ts", aggregates = AGGREGATES.map(([t]) => t)) {
  return new WindowAggregateOperator({
    name: "pipeline[1].window",
    input: { schema, timeField, keys },
    keys,
    window,
    aggregates,
    maxParallelism: 128,
  });
}

describe("WindowAggregateOperator matches a row-at-a-time reference", () => {
  let seed = 1000;
  for (const [label, spec, ref] of WINDOWS) {
    for (const keys of KEYS) {
      for (const interleaving of INTERLEAVINGS) {
        const s = seed++;
        const timeField = s % 2 === 0 ? "ts" : "et";
        it(`${label}, keys [${keys.join(", ")}], watermarks ${interleaving}, time ${timeField} (seed ${s})`, () => {
          const rng = seededRng(s);
          const steps = randomScript(rng, { batches: 30, interleaving, t0: s % 3 === 0 ? -40_000 : undefined });
          const op = operator(spec, keys, timeField);
          const reference = new WindowReference(
            keys,
            timeField,
            ref,
            AGGREGATES.map(([, r]) => r),
          );
          expectSameOutputs(runOperator(op, steps, rng), runReference(reference, steps), keys);
          expect(op.lateRecords()).toBe(reference.late);
        });
      }
    }
  }
});

describe("WindowAggregateOperator semantics", () => {
  const row = (ts: number | null, ks: string | null, price: number | null = 1): Row => ({
    ...blank(),
    ts,
    et: ts,
    ks,
    price,
  });
  const blank = (): Row => Object.fromEntries(FIELDS.map((f) => [f.name, null]));
  const feed = (op: WindowAggregateOperator, rows: Row[]) => op.processBatch(batchFromRows(FIELDS, rows), 0);

  it("drops rows whose window already fired, and rows without event time, counting them late", () => {
    const op = operator({ type: "tumbling", size: "10s" }, ["ks"], "ts", ["count(*) AS n"]);
    feed(op, [row(1_000, "a"), row(12_000, "a")]);
    expect(op.processWatermark(10_000).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: 0, window_end: 10_000, n: 1 },
    ]);
    feed(op, [row(9_999, "a"), row(5_000, "b"), row(null, "a"), row(10_000, "a")]);
    expect(op.lateRecords()).toBe(3);
    expect(op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: 10_000, window_end: 20_000, n: 2 },
    ]);
    feed(op, [row(50_000, "a")]);
    expect(op.lateRecords()).toBe(4);
  });

  it("counts a sliding-window row late only when all its windows fired", () => {
    const op = operator({ type: "sliding", size: "10s", slide: "5s" }, ["ks"], "ts", ["count(*) AS n"]);
    op.processWatermark(10_000);
    feed(op, [row(7_000, "a"), row(4_000, "a")]); // 7s is in [5s, 15s) still open; 4s only in fired windows
    expect(op.lateRecords()).toBe(1);
    expect(op.processWatermark(15_000).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: 5_000, window_end: 15_000, n: 1 },
    ]);
  });

  it("merges sessions an out-of-order row bridges, and late-looking rows that touch an open session", () => {
    const op = operator({ type: "session", gap: "5s" }, ["ks"], "ts", [
      "count(*) AS n",
      "min(ts) AS first",
      "max(ts) AS last",
    ]);
    feed(op, [row(0, "a"), row(8_000, "a")]); // sessions [0, 5s) and [8s, 13s)
    expect(op.processWatermark(4_000)).toEqual([]);
    feed(op, [row(3_500, "a")]); // [3.5s, 8.5s) touches both: one session [0, 13s)
    // [-2s, 3s) ended before the watermark but touches the open session: merged, not late.
    // [-10s, -5s) touches nothing: late.
    feed(op, [row(-2_000, "a"), row(-10_000, "a")]);
    expect(op.lateRecords()).toBe(1);
    expect(op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: -2_000, window_end: 13_000, n: 4, first: -2_000, last: 8_000 },
    ]);
  });

  it("drops a late session row that touches no open session", () => {
    const op = operator({ type: "session", gap: "5s" }, ["ks"], "ts", ["count(*) AS n"]);
    feed(op, [row(20_000, "a")]);
    op.processWatermark(10_000);
    feed(op, [row(4_000, "a"), row(16_000, "a"), row(4_000, "b")]); // 4s+5s <= 10s: late; [16s, 21s) touches 20s
    expect(op.lateRecords()).toBe(2);
    expect(op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: 16_000, window_end: 25_000, n: 2 },
    ]);
  });

  it("ignores empty batches and watermarks that do not advance", () => {
    const op = operator({ type: "tumbling", size: "10s" }, ["ks"], "ts", [
      "count(*) AS n",
      "count(distinct name) AS d",
    ]);
    expect(feed(op, [])).toEqual([]);
    expect(op.processBatch(toBatch(seededRng(2), [row(1, "a")], true).slice(0, 0), 0)).toEqual([]);
    feed(op, [row(1_000, "a")]);
    expect(op.processWatermark(5_000)).toEqual([]);
    expect(op.processWatermark(3_000)).toEqual([]);
    feed(op, []);
    expect(op.processWatermark(10_000).flatMap(batchRows)).toEqual([
      { ks: "a", window_start: 0, window_end: 10_000, n: 1, d: 0 },
    ]);
    expect(op.processWatermark(Number.POSITIVE_INFINITY)).toEqual([]);
    expect(op.lateRecords()).toBe(0);
  });

  it("groups dictionary keys by value across batches with different dictionaries, keeping the dictionary type", () => {
    const op = operator({ type: "tumbling", size: "10s" }, ["kd"], "ts", ["count(*) AS n"]);
    const r = (kd: string | null) => ({ ...row(1_000, null), kd });
    feed(op, [r("x"), r("y"), r(null)]); // dictionary [x, y]
    feed(op, [r("y"), r("z"), r("x"), r(null)]); // dictionary [y, z, x]
    const out = op.processWatermark(Number.POSITIVE_INFINITY);
    expect(DataType.isDictionary(out[0].schema.fields[0].type)).toBe(true);
    const rows = out.flatMap(batchRows).map((x) => [x.kd, x.n]);
    expect(rows.sort()).toEqual(
      [
        ["x", 2],
        ["y", 2],
        ["z", 1],
        [null, 2],
      ].sort(),
    );
  });

  it("emits keys, window bounds and aggregates with the documented types", () => {
    const op = operator({ type: "tumbling", size: "10s" }, ["kd", "ki"]);
    const fields = op.output.schema.fields;
    const type = (name: string) => String(fields.find((f) => f.name === name)!.type);
    expect(fields.slice(0, 4).map((f) => f.name)).toEqual(["kd", "ki", "window_start", "window_end"]);
    expect(DataType.isDictionary(fields[0].type)).toBe(true);
    expect(type("ki")).toBe("Int64");
    expect(type("window_start")).toBe("Timestamp<MILLISECOND>");
    expect(type("n")).toBe("Int64");
    expect(type("sp")).toBe("Int64");
    expect(type("sum_n32")).toBe("Int64");
    expect(type("sx")).toBe("Float64");
    expect(type("avg_price")).toBe("Float64");
    expect(type("min_n32")).toBe("Int32");
    expect(type("max_name")).toBe("Utf8");
    expect(type("min_dname")).toBe("Utf8");
    expect(type("min_flag")).toBe("Bool");
    expect(type("max_t2")).toBe("Timestamp<MILLISECOND>");
    expect(type("dn")).toBe("Int64");
    expect(op.output.timeField).toBe("window_end");
    expect(op.output.keys).toEqual(["kd", "ki"]);
  });
});

describe("WindowAggregateOperator configuration errors", () => {
  const build =
    (aggregates: string[], extra: Partial<{ window: WindowSpec; keys: string[]; timeField: string }> = {}) =>
    () =>
      new WindowAggregateOperator({
        name: "pipeline[3].window",
        input: { schema, timeField: extra.timeField ?? "ts" },
        keys: extra.keys ?? ["ks"],
        window: extra.window ?? { type: "tumbling", size: "1m" },
        aggregates,
        maxParallelism: 128,
      });

  it.each([
    [["sum(nope)"], /pipeline\[3\]\.window: "sum\(nope\)" uses unknown column "nope" \(columns: ks, kd/],
    [["median(price)"], /unsupported function|is not an aggregate/],
    [["sum(name)"], /sum needs a int32, int64 or float64 column, but "name" is Utf8/],
    [["avg(flag)"], /avg needs a int32, int64 or float64 column/],
    [["sum(t2)"], /sum needs a/],
    [["sum(price * 2)"], /must be a column name; compute expressions in a select step first/],
    [["sum(*)"], /only count accepts \*/],
    [["count(*)", "count(*)"], /output column "count" already exists; give it another name with AS/],
    [["count(*) AS ks"], /output column "ks" already exists/],
    [["min(distinct price)"], /DISTINCT is supported in count\(distinct x\) only/],
    [["SUM(DISTINCT price)"], /DISTINCT is supported in count\(distinct x\) only/],
    [["count(price), sum(price)"], /holds 2 aggregates; write one per list item/],
    [["count(*) AS"], /cannot parse aggregate/],
  ])("rejects %j", (aggregates, message) => {
    expect(build(aggregates)).toThrowError(message);
    try {
      build(aggregates)();
    } catch (err) {
      expect((err as Error).name).toBe("AggregateSpecError");
    }
  });

  it("rejects bad windows, keys and event time", () => {
    expect(build(["count(*)"], { window: { type: "sliding", size: "10s" } })).toThrowError(
      /a sliding window needs `slide`/,
    );
    expect(build(["count(*)"], { window: { type: "session" } })).toThrowError(/a session window needs `gap`/);
    expect(build(["count(*)"], { window: { type: "tumbling", size: "0s" } })).toThrowError(/must be positive/);
    expect(build(["count(*)"], { keys: ["nope"] })).toThrowError(/key "nope" is not a column/);
    expect(build(["count(*)"], { keys: ["ks", "ks"] })).toThrowError(/key column "ks" is listed twice/);
    expect(build(["count(*)"], { timeField: "name" })).toThrowError(
      /event time column "name" is Utf8; it must be timestamp\[ms\] or int64/,
    );
    expect(
      () =>
        new WindowAggregateOperator({
          name: "w",
          input: { schema: new Schema(schema.fields) },
          keys: [],
          window: { type: "tumbling", size: "1s" },
          aggregates: ["count(*)"],
          maxParallelism: 128,
        }),
    ).toThrowError(/no event time/);
  });
});
