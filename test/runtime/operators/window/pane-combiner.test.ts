import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { PaneCombiner } from "../../../../runtime/operators/window/pane-combiner.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import type { WindowAggregateOptions } from "../../../../runtime/operators/window/window-config.js";
import { PreAggregatedKeyBy } from "../../../../runtime/planner/pre-aggregated-key-by.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { batchFromRows, seededRng } from "../../../helpers/random.js";
import { AGGREGATES, expectSameOutputs, FIELDS, type Interleaving, randomScript, toBatch } from "./window-data.js";
import type { Row } from "./window-reference.js";

const schema = toBatch(seededRng(1), []).schema;
const aggregates = AGGREGATES.map(([t]) => t);

function options(window: WindowSpec, keys: string[], timeField: string): WindowAggregateOptions {
  return {
    name: "pipeline[1].window",
    input: { schema, timeField, keys },
    keys,
    window,
    aggregates,
    maxParallelism: 128,
  };
}

/**
 * What reaches the window in place of each batch (null: held), and what was held that must go
 * before a watermark (undefined: at the end), as an exchange's sender asks.
 */
interface Sender {
  batch(batch: RecordBatch): RecordBatch | null;
  before(watermark?: number): RecordBatch | null;
}
const unchanged: Sender = { batch: (b) => b, before: () => null };

/** Output rows per watermark of a script sent through `sender`; what it held is sent at the end. */
function run(
  steps: ReturnType<typeof randomScript>,
  op: WindowAggregateOperator,
  sender: Sender,
  seed: number,
): Row[][] {
  const rng = seededRng(seed);
  const outputs: Row[][] = [];
  const send = (b: RecordBatch | null) => {
    if (b) expect(op.processBatch(b, 0)).toEqual([]);
  };
  for (const step of steps) {
    if ("rows" in step) {
      const batch = toBatch(rng, step.rows, step.sliced);
      if (batch.numRows > 0) send(sender.batch(batch));
    } else {
      send(sender.before(step.watermark));
      outputs.push(op.processWatermark(step.watermark).flatMap(batchRows));
    }
  }
  send(sender.before());
  return outputs;
}

/** The batch's partial rows, folded on their own. */
function combined(combiner: PaneCombiner, batch: RecordBatch): RecordBatch {
  combiner.add(batch);
  return combiner.take()!;
}

const WINDOWS: [string, WindowSpec][] = [
  ["tumbling 10s", { type: "tumbling", size: "10s" }],
  ["sliding 9s every 3s", { type: "sliding", size: "9s", slide: "3s" }],
  ["sliding 10s every 4s (panes of 2s)", { type: "sliding", size: "10s", slide: "4s" }],
  ["hopping 2s every 5s (gaps)", { type: "sliding", size: "2s", slide: "5s" }],
];
const KEYS: string[][] = [["ks"], ["kd", "ki"], [], ["kb", "k32", "kf"]];
const INTERLEAVINGS: Interleaving[] = ["every-batch", "sparse", "at-end"];

describe("two-phase window aggregation gives what one phase gives", () => {
  let seed = 5000;
  for (const [label, window] of WINDOWS)
    for (const keys of KEYS)
      for (const interleaving of INTERLEAVINGS) {
        const s = seed++;
        const timeField = s % 2 === 0 ? "ts" : "et";
        it(`${label}, keys [${keys.join(", ")}], watermarks ${interleaving} (seed ${s})`, () => {
          const steps = randomScript(seededRng(s), { batches: 30, interleaving });
          const one = new WindowAggregateOperator(options(window, keys, timeField));
          const expected = run(steps, one, unchanged, s);
          // Each batch folded on its own, and rows held across batches as the exchange's sender does.
          const combiner = new PaneCombiner(options(window, keys, timeField));
          const keyBy = new PreAggregatedKeyBy("pipeline[0].keyBy", options(window, keys, timeField));
          const senders: Sender[] = [
            { batch: (b) => combiner.add(b) ?? combiner.take(), before: () => null },
            { batch: (b) => keyBy.project(b), before: (w) => keyBy.held(w) },
          ];
          for (const sender of senders) {
            const two = new WindowAggregateOperator({ ...options(window, keys, timeField), partials: true });
            expectSameOutputs(run(steps, two, sender, s), expected, keys);
            expect(two.lateRecords()).toBe(one.lateRecords());
          }
        });
      }
});

describe("PaneCombiner", () => {
  const row = (ts: number | null, ks: string, price: number): Row => ({
    ...Object.fromEntries(FIELDS.map((f) => [f.name, null])),
    ts,
    ks,
    price,
  });

  it("folds a batch into one row per key and pane, rows without event time on their own", () => {
    const combiner = new PaneCombiner({
      ...options({ type: "sliding", size: "10s", slide: "4s" }, ["ks"], "ts"),
      aggregates: ["max(price) AS top", "count(*) AS n"],
    });
    const batch = batchFromRows(FIELDS, [
      row(1_000, "a", 5),
      row(1_500, "a", 9),
      row(2_500, "a", 1),
      row(1_900, "b", 3),
      row(null, "a", 7),
      row(1_200, "a", 2),
    ]);
    expect(batchRows(combined(combiner, batch))).toEqual([
      { ks: "a", window_start: 0, window_end: 2_000, "top.value": 9, "n.count": 3, __rows: 3 },
      { ks: "a", window_start: 2_000, window_end: 4_000, "top.value": 1, "n.count": 1, __rows: 1 },
      { ks: "b", window_start: 0, window_end: 2_000, "top.value": 3, "n.count": 1, __rows: 1 },
      { ks: "a", window_start: null, window_end: null, "top.value": 7, "n.count": 1, __rows: 1 },
    ]);
    // Nothing carries over once taken.
    expect(batchRows(combined(combiner, batchFromRows(FIELDS, [row(1_000, "b", 4)])))).toEqual([
      { ks: "b", window_start: 0, window_end: 2_000, "top.value": 4, "n.count": 1, __rows: 1 },
    ]);
  });

  it("refuses session and processing-time windows", () => {
    expect(() => new PaneCombiner(options({ type: "session", gap: "1s" }, ["ks"], "ts"))).toThrow(/two phases/);
    expect(() => new PaneCombiner(options({ type: "tumbling", size: "1s", time: "processing" }, ["ks"], "ts"))).toThrow(
      /two phases/,
    );
  });
});
