import { describe, expect, it } from "vitest";
import { SpecError } from "../../../runtime/contract/spec/errors.js";
import type { PipelineJobSpec } from "../../../runtime/contract/spec/schema.js";
import { buildPlan } from "../../../runtime/planner/build-plan.js";

const bids = { generator: { kind: "nexmark-bid" as const, count: 10 }, eventTime: { field: "dateTime" } };
const out = { console: {} };

function issuesOf(spec: PipelineJobSpec): { path: string; message: string }[] {
  try {
    buildPlan("t", spec);
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  return [];
}

describe("buildPlan", () => {
  it("derives the schema of every stream", () => {
    const plan = buildPlan("t", {
      sources: { bids },
      pipeline: [
        { from: "bids", select: ["auction", "price * 2 AS double_price", "dateTime"], as: "priced" },
        { keyBy: ["auction"] },
        { window: { type: "tumbling", size: "10s" }, aggregate: ["max(double_price) AS top"] },
        { to: "out" },
      ],
      sinks: { out },
    });
    expect(plan.streams.get("priced")!.schema.fields.map((f) => f.name)).toEqual([
      "auction",
      "double_price",
      "dateTime",
    ]);
    expect(plan.sinks[0].info.schema.fields.map((f) => f.name)).toEqual([
      "auction",
      "window_start",
      "window_end",
      "top",
    ]);
  });

  it("reports an unknown column and a type error in expressions by step path", () => {
    const issues = issuesOf({
      sources: { bids, other: bids },
      pipeline: [
        { from: "bids", filter: "amout > 10" },
        { to: "out" },
        { from: "other", select: ["channel + 1 AS x"] },
        { to: "out" },
      ],
      sinks: { out },
    });
    expect(issues.map((i) => i.path)).toEqual(["spec.pipeline[0].filter", "spec.pipeline[2].select"]);
    expect(issues[0].message).toContain("amout");
  });

  it("reports one problem once: steps after a broken one are skipped", () => {
    const issues = issuesOf({
      sources: { bids },
      pipeline: [{ from: "bids", filter: "nope = 1" }, { select: ["nope"] }, { to: "out" }],
      sinks: { out },
    });
    expect(issues).toHaveLength(1);
  });

  it("names unknown streams and sinks, and a window without event time", () => {
    const issues = issuesOf({
      sources: { plain: { generator: { kind: "nexmark-bid" } } },
      pipeline: [
        { from: "missing", to: "out" },
        { from: "plain", window: { type: "tumbling", size: "1s" }, aggregate: ["count(*)"] },
        { from: "plain", to: "nowhere" },
      ],
      sinks: { out },
    });
    expect(issues.map((i) => i.path)).toEqual([
      "spec.pipeline[0].from",
      "spec.pipeline[1].window",
      "spec.pipeline[2].to",
    ]);
    expect(issues[1].message).toContain("eventTime");
  });

  it("requires a sink", () => {
    expect(issuesOf({ sources: { bids }, pipeline: [{ from: "bids", filter: "price > 1" }], sinks: { out } })).toEqual([
      { path: "spec.pipeline", message: "no step writes to a sink: add a step like `- to: <sink name>`" },
    ]);
  });
});
