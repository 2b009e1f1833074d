import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { BidGenerator } from "../../../runtime/connectors/generator/nexmark-bid.js";
import type { PipelineJobSpec, StepSpec } from "../../../runtime/contract/spec/schema.js";
import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import type { Operator } from "../../../runtime/operators/operator.js";
import { buildPlan } from "../../../runtime/planner/build-plan.js";
import type { JobPlan } from "../../../runtime/planner/plan.js";
import { PreAggregatedKeyBy } from "../../../runtime/planner/pre-aggregated-key-by.js";
import { int64Data, timestampData } from "../../../runtime/types/builders.js";
import { makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";

const bids = { generator: { kind: "nexmark-bid" as const, count: 20_000, seed: 3 }, eventTime: { field: "dateTime" } };
const spec = (pipeline: StepSpec[]): PipelineJobSpec => ({
  sources: { bids },
  pipeline,
  sinks: { out: { console: {} }, raw: { console: {} } },
});
const window = (extra: Partial<StepSpec> = {}): StepSpec => ({
  window: { type: "sliding", size: "10s", slide: "4s" },
  aggregate: ["max(price) AS max_price", "count(*) AS bids", "avg(price) AS mean"],
  ...extra,
});
const pipeline = (w: StepSpec = window()): StepSpec[] => [{ from: "bids", keyBy: ["auction"] }, w, { to: "out" }];
const twoPhase = (plan: JobPlan) => plan.operators[0]!.create() instanceof PreAggregatedKeyBy;

/**
 * What a distributed run computes, as an exchange's sender does it: each batch folded by the keyBy
 * (held or sent), what is held sent before each watermark and at the end, then merged by the
 * window. `watermarks[i]` follows batch i (none: only the end's).
 */
function runAcrossExchange(plan: JobPlan, batches: RecordBatch[], watermarks: number[] = []) {
  const keyBy = plan.operators[0]!.create() as PreAggregatedKeyBy;
  const op: Operator = plan.operators[1]!.create();
  keyBy.receivesProjected();
  const out: RecordBatch[] = [];
  const send = (b: RecordBatch | null) => {
    if (b) for (const p of keyBy.processBatch(b)) op.processBatch(p, 0);
  };
  batches.forEach((b, i) => {
    send(keyBy.project(b));
    if (watermarks[i] === undefined) return;
    send(keyBy.held(watermarks[i]));
    out.push(...op.processWatermark(watermarks[i]));
  });
  send(keyBy.held());
  out.push(...op.processWatermark(Number.POSITIVE_INFINITY));
  return { rows: out.flatMap(batchRows), late: op.lateRecords() };
}
function runInOneProcess(plan: JobPlan, batches: RecordBatch[], watermarks: number[] = []) {
  const keyBy = plan.operators[0]!.create();
  const op = plan.operators[1]!.create();
  const out: RecordBatch[] = [];
  batches.forEach((b, i) => {
    for (const p of keyBy.processBatch(b, 0)) op.processBatch(p, 0);
    if (watermarks[i] !== undefined) out.push(...op.processWatermark(watermarks[i]));
  });
  out.push(...op.processWatermark(Number.POSITIVE_INFINITY));
  return { rows: out.flatMap(batchRows), late: op.lateRecords() };
}
/** Bids with the columns the plan's source makes (the generator is told which: prune-columns.ts). */
function bidsFor(plan: JobPlan, seed: number): BidGenerator {
  return new BidGenerator(
    seed,
    plan.sources[0]!.info.schema.fields.map((f) => f.name),
  );
}
const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

describe("two-phase aggregation before a keyBy's exchange", () => {
  it("q7-style windows ship a partial row per key and pane: auction, pane bounds, state, rows", () => {
    const plan = buildPlan("t", spec(pipeline()));
    expect(twoPhase(plan)).toBe(true);
    const node = plan.operators[0]!;
    expect(node.info.schema.fields.map((f) => f.name)).toEqual([
      "auction",
      "window_start",
      "window_end",
      "max_price.value",
      "bids.count",
      "mean.sum",
      "mean.n",
      "__rows",
    ]);
    expect(buildExecutionGraph(plan).edges.map((e) => e.stream)).toEqual(["bids"]);
    // The window's output is the one-phase window's.
    const one = buildPlan("t", spec(pipeline(window({ localAggregation: false }))));
    expect(plan.operators[1]!.info.schema.fields.map(String)).toEqual(one.operators[1]!.info.schema.fields.map(String));
  });

  it("gives the one-phase result across an exchange and in one process", () => {
    const one = buildPlan("t", spec(pipeline(window({ localAggregation: false }))));
    const two = buildPlan("t", spec(pipeline()));
    const gen = bidsFor(two, 7);
    const batches = Array.from({ length: 12 }, (_, i) => gen.generate(i * 3000 * 4, 4, 3000));
    const expected = sorted(runInOneProcess(one, batches).rows);
    expect(expected.length).toBeGreaterThan(100);
    expect(sorted(runAcrossExchange(two, batches).rows)).toEqual(expected);
    expect(sorted(runInOneProcess(two, batches).rows)).toEqual(expected);
  });

  it("holds partial rows across batches until a watermark reaches a pane held, with the one-phase result and late count", () => {
    const one = buildPlan("t", spec(pipeline(window({ localAggregation: false }))));
    const two = buildPlan("t", spec(pipeline()));
    const gen = bidsFor(two, 11);
    // Batches of 1.3 s of event time out of order, each followed by a watermark 1 s behind the
    // latest event time seen: batch 5 comes after 6, and batch 2 last, after every window it
    // belongs to fired, so its rows are late in both runs alike.
    const order = [0, 1, 3, 4, 6, 5, 7, 8, 9, 10, 11, 2];
    const batches = order.map((i) => gen.generate(i * 3000 * 4, 4, 3000));
    let max = Number.NEGATIVE_INFINITY;
    const watermarks = batches.map((b) => {
      for (const t of b.getChild("dateTime")!.toArray() as BigInt64Array) max = Math.max(max, Number(t));
      return max - 1000;
    });
    const expected = runInOneProcess(one, batches, watermarks);
    const actual = runAcrossExchange(two, batches, watermarks);
    expect(expected.late).toBeGreaterThan(0);
    expect(expected.rows.length).toBeGreaterThan(100);
    expect(sorted(actual.rows)).toEqual(sorted(expected.rows));
    expect(actual.late).toBe(expected.late);
  });

  it("sends the rows it holds once a watermark reaches the end of a pane held, and all of them at a barrier", () => {
    const plan = buildPlan("t", spec(pipeline()));
    const keyBy = plan.operators[0]!.create() as PreAggregatedKeyBy;
    const batch = bidsFor(plan, 5).generate(0, 4, 2000);
    const first = Math.min(...Array.from(batch.getChild("dateTime")!.toArray() as BigInt64Array, Number));
    const paneEnd = Math.floor(first / 2000) * 2000 + 2000; // sliding 10 s by 4 s: 2 s panes
    expect(keyBy.project(batch)).toBeNull();
    expect(keyBy.held(paneEnd - 1)).toBeNull();
    const sent = keyBy.held(paneEnd)!;
    expect(sent.numRows).toBeGreaterThan(0);
    expect(keyBy.held()).toBeNull();
    expect(keyBy.project(batch)).toBeNull();
    expect(keyBy.held()!.numRows).toBe(sent.numRows);
  });

  it("sends what it holds once 65,536 (key, pane) slots are held, so its memory stays bounded", () => {
    const plan = buildPlan("t", spec(pipeline()));
    const keyBy = plan.operators[0]!.create() as PreAggregatedKeyBy;
    const schema = plan.sources[0]!.info.schema;
    // One pane, a distinct auction per row: each batch adds 40,000 slots.
    const batch = (from: number) => {
      const n = 40_000;
      const column = (name: string) => {
        const values = Float64Array.from({ length: n }, (_, i) => (name === "dateTime" ? 1_000 : from + i));
        return name === "dateTime" ? timestampData(values) : int64Data(values);
      };
      return makeBatch(
        schema,
        schema.fields.map((f) => column(f.name)),
        n,
      );
    };
    expect(keyBy.project(batch(0))).toBeNull();
    expect(keyBy.project(batch(40_000))?.numRows).toBe(80_000);
    expect(keyBy.held()).toBeNull();
  });

  it("folds before the exchange only when rows leave the worker: a job on one worker sends them unfolded", () => {
    const keyBy = buildPlan("t", spec(pipeline())).operators[0]!.create() as PreAggregatedKeyBy;
    expect(keyBy.projectsAcross(1)).toBe(false);
    expect(keyBy.projectsAcross(2)).toBe(true);
  });

  it("keeps one phase where partial rows would not help or the rows are needed", () => {
    const onePhase = (steps: StepSpec[]) => !twoPhase(buildPlan("t", spec(steps)));
    expect(onePhase(pipeline(window({ localAggregation: false })))).toBe(true);
    expect(onePhase(pipeline({ window: { type: "session", gap: "1s" }, aggregate: ["count(*) AS n"] }))).toBe(true);
    expect(
      onePhase(
        pipeline({ window: { type: "tumbling", size: "1s", time: "processing" }, aggregate: ["count(*) AS n"] }),
      ),
    ).toBe(true);
    expect(onePhase(pipeline(window({ aggregate: ["count(distinct bidder) AS bidders"] })))).toBe(true);
    // A sink reads the keyed rows too.
    expect(
      onePhase([
        { from: "bids", keyBy: ["auction"], as: "keyed" },
        { ...window(), from: "keyed" },
        { to: "out" },
        { from: "keyed", to: "raw" },
      ]),
    ).toBe(true);
  });

  it("leaves a mistake in the window step to the window step's own message", () => {
    expect(() => buildPlan("t", spec(pipeline(window({ aggregate: ["max(nope) AS m"] }))))).toThrow(
      /spec\.pipeline\[1\]\.window: .*unknown column "nope"/,
    );
  });
});
