import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { BidGenerator } from "../../../runtime/connectors/generator/nexmark-bid.js";
import type { PipelineJobSpec, StepSpec } from "../../../runtime/contract/spec/schema.js";
import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import type { Operator } from "../../../runtime/operators/operator.js";
import { buildPlan } from "../../../runtime/planner/build-plan.js";
import type { JobPlan } from "../../../runtime/planner/plan.js";
import { PreAggregatedKeyBy } from "../../../runtime/planner/pre-aggregated-key-by.js";
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

/** What a distributed run computes: each batch folded by the keyBy, then merged by the window. */
function runAcrossExchange(plan: JobPlan, batches: RecordBatch[]) {
  const keyBy = plan.operators[0]!.create() as PreAggregatedKeyBy;
  const op: Operator = plan.operators[1]!.create();
  keyBy.receivesProjected();
  for (const b of batches) for (const p of keyBy.processBatch(keyBy.project(b))) op.processBatch(p, 0);
  return op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows);
}
function runInOneProcess(plan: JobPlan, batches: RecordBatch[]) {
  const keyBy = plan.operators[0]!.create();
  const op = plan.operators[1]!.create();
  for (const b of batches) for (const p of keyBy.processBatch(b, 0)) op.processBatch(p, 0);
  return op.processWatermark(Number.POSITIVE_INFINITY).flatMap(batchRows);
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
    const gen = new BidGenerator(7);
    const batches = Array.from({ length: 12 }, (_, i) => gen.generate(i * 3000 * 4, 4, 3000));
    const one = buildPlan("t", spec(pipeline(window({ localAggregation: false }))));
    const two = buildPlan("t", spec(pipeline()));
    const expected = sorted(runInOneProcess(one, batches));
    expect(expected.length).toBeGreaterThan(100);
    expect(sorted(runAcrossExchange(two, batches))).toEqual(expected);
    expect(sorted(runInOneProcess(two, batches))).toEqual(expected);
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
