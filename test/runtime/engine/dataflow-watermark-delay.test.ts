import { describe, expect, it } from "vitest";
import { Dataflow } from "../../../runtime/engine/dataflow.js";
import { EngineMetrics } from "../../../runtime/metrics/metrics.js";
import { planManifest } from "../../../runtime/planner/validate.js";
import { manifestOf } from "../../helpers/manifest-of.js";

/** bid JOIN auction on auction = id, as an interval join with these bounds, then a sink. */
const plan = (between: object) =>
  planManifest(
    manifestOf({
      sources: {
        bid: { generator: { kind: "nexmark-bid" }, eventTime: { field: "dateTime" } },
        auction: { generator: { kind: "nexmark-auction" }, eventTime: { field: "dateTime" } },
      },
      pipeline: [
        { from: "bid", join: { with: "auction", leftKey: ["auction"], rightKey: ["id"], between } },
        { to: "out" },
      ],
      sinks: { out: { console: {} } },
    }),
  );

/** The watermarks the join passes on when both inputs reach each of `inputs`. */
function passedOn(between: object, inputs: number[]): number[] {
  const p = plan(between);
  const flow = new Dataflow(p, new EngineMetrics(), { job_name: "t", subtask: "0" });
  const seen: number[] = [];
  flow.connect(p.operators[0].output, { onBatch: () => {}, onWatermark: (w) => seen.push(w) });
  for (const w of inputs) {
    flow.watermark("bid", w);
    flow.watermark("auction", w);
  }
  return seen;
}

describe("an operator's watermarkDelay", () => {
  it("holds back the watermark the dataflow passes on downstream by the interval join's -lower", () => {
    expect(passedOn({ lower: "-10s", upper: "1s" }, [50_000, 60_000, Infinity])).toEqual([40_000, 50_000, Infinity]);
    expect(passedOn({ lower: "2s", upper: "5s" }, [50_000, 60_000])).toEqual([50_000, 60_000]);
  });
});
