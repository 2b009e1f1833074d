import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { parseManifest, runJob } from "../../../helpers/run-job.js";

/** Rows of bidder k, with an event time that processing-time windows must ignore. */
const bids = (bidders: number[]) =>
  tableFromArrays({ bidder: Float64Array.from(bidders), ts: Float64Array.from(bidders.map(() => 0)) }).batches[0];

function operator(clock: () => number) {
  const input = { schema: bids([1]).schema, keys: ["bidder"] };
  return new WindowAggregateOperator({
    name: "pipeline[1].window",
    input,
    keys: ["bidder"],
    window: { type: "tumbling", size: "10s", time: "processing" },
    aggregates: ["count(*) AS n"],
    maxParallelism: 128,
    clock,
  });
}

describe("processing-time windows", () => {
  it("put rows in the window of their arrival and fire when the clock, a batch or a watermark passes its end", () => {
    let now = 1_000;
    const op = operator(() => now);
    expect(op.output.timeField).toBeUndefined();
    expect(op.processBatch(bids([1, 1, 2]), 0)).toEqual([]);
    now = 9_999;
    expect(op.processBatch(bids([1]), 0)).toEqual([]);
    expect(op.processWatermark(5)).toEqual([]); // the event-time watermark fires nothing by itself
    now = 10_000; // the first window [0, 10s) has ended: the next arrival fires it
    const fired = op.processBatch(bids([2]), 0).flatMap(batchRows);
    expect(fired).toEqual([
      { bidder: 1, window_start: 0, window_end: 10_000, n: 3 },
      { bidder: 2, window_start: 0, window_end: 10_000, n: 1 },
    ]);
    now = 25_000;
    expect(op.onProcessingTime().flatMap(batchRows)).toEqual([
      { bidder: 2, window_start: 10_000, window_end: 20_000, n: 1 },
    ]);
    expect(op.onProcessingTime()).toEqual([]);
    op.processBatch(bids([3]), 0);
    now = 29_000;
    expect(op.processWatermark(7)).toEqual([]);
    expect(op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows)).toEqual([
      { bidder: 3, window_start: 20_000, window_end: 30_000, n: 1 },
    ]);
    expect(op.lateRecords()).toBe(0);
  });

  it("needs no event time on its input", () => {
    const op = new WindowAggregateOperator({
      name: "w",
      input: { schema: bids([1]).schema },
      keys: [],
      window: { type: "tumbling", size: "1s", time: "processing" },
      aggregates: ["count(*) AS n"],
      maxParallelism: 128,
      clock: () => 500,
    });
    op.processBatch(bids([1, 2]), 0);
    expect(op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows)).toEqual([
      { window_start: 0, window_end: 1_000, n: 2 },
    ]);
  });

  it("run in a YAML job whose source has no event time: every row counted once", async () => {
    const { rows } = await runJob(
      parseManifest(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: {name: t}
spec:
  sources:
    bids: {generator: {kind: nexmark-bid, seed: 3, count: 5000}}
  pipeline:
    - from: bids
      keyBy: [channel]
    - window: {type: tumbling, size: 10s, time: processing}
      aggregate: ["count(*) AS n"]
    - to: out
  sinks:
    out: {console: {}}
`),
    );
    expect(rows.out.reduce((n, r) => n + Number(r.n), 0)).toBe(5000);
    for (const r of rows.out) expect(Number(r.window_end) - Number(r.window_start)).toBe(10_000);
  });
});
