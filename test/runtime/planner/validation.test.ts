import { describe, expect, it } from "vitest";
import { SpecError, type SpecIssue } from "../../../runtime/contract/spec/errors.js";
import type { StepSpec } from "../../../runtime/contract/spec/schema.js";
import { buildPlan } from "../../../runtime/planner/build-plan.js";

/** The validation defects of issue 16, as a new user met them. */

const bids = { generator: { kind: "nexmark-bid" as const, count: 10 }, eventTime: { field: "dateTime" } };
const out = { console: {} };

/** The issues validation reports for a pipeline over Nexmark bids; none when it plans. */
function issuesOf(pipeline: StepSpec[]): SpecIssue[] {
  const plan = () => buildPlan("t", { sources: { bids }, pipeline, sinks: { out } });
  let error: unknown = null;
  try {
    plan();
  } catch (err) {
    error = err;
  }
  if (error === null) return [];
  expect(error).toBeInstanceOf(SpecError);
  return (error as SpecError).issues;
}

describe("validation reports every problem once, by path", () => {
  it("an unknown `from` does not make the next step look like a first step", () => {
    const issues = issuesOf([{ from: "bid", filter: "price > 1" }, { select: ["price"] }, { to: "out" }]);
    expect(issues).toEqual([{ path: "spec.pipeline[0].from", message: 'unknown stream "bid" (known: bids)' }]);
  });

  it("an unknown join stream does not either", () => {
    const issues = issuesOf([
      {
        from: "bids",
        join: { with: "people", leftKey: ["bidder"], rightKey: ["id"], window: { type: "tumbling", size: "10s" } },
      },
      { to: "out" },
    ]);
    expect(issues.map((i) => i.path)).toEqual(["spec.pipeline[0].join"]);
  });

  it("prints a window error's path once", () => {
    const issues = issuesOf([
      { from: "bids", keyBy: ["auction"] },
      { window: { type: "tumbling", size: "10s" }, aggregate: ["median(price) AS m"] },
      { to: "out" },
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe("spec.pipeline[1].window");
    expect(issues[0].message).not.toContain("pipeline[1]");
    expect(issues[0].message).toContain("median");
  });

  it("goes on after a refused aggregate: a later unknown column is still reported", () => {
    const issues = issuesOf([
      { from: "bids", keyBy: ["auction"] },
      { window: { type: "tumbling", size: "10s" }, aggregate: ["count(*) AS n", "median(price) AS m"] },
      { filter: "nn > 1" },
      { to: "out" },
    ]);
    expect(issues.map((i) => i.path)).toEqual(["spec.pipeline[1].window", "spec.pipeline[2].filter"]);
    expect(issues[0].message).toContain("median");
    expect(issues[1].message).toContain("nn");
  });

  it("reports each bad item of a step, and not again where a later step reads what it would define", () => {
    const issues = issuesOf([
      { from: "bids", select: ["auction", "channel + 1 AS x", "nope AS y", "price"] },
      { filter: "x > 1 AND price > 2" },
      { select: ["y", "auction", "bad + 1 AS z"] },
      { to: "out" },
    ]);
    expect(issues.map((i) => i.path)).toEqual([
      "spec.pipeline[0].select",
      "spec.pipeline[0].select",
      "spec.pipeline[2].select",
    ]);
    expect(issues[1].message).toContain("nope");
    expect(issues[2].message).toContain("bad");
  });

  it("checks the steps after a broken filter against its input's columns", () => {
    const issues = issuesOf([
      { from: "bids", filter: "price > 'x' AND" },
      { select: ["auction", "wrong"] },
      { to: "out" },
    ]);
    expect(issues.map((i) => i.path)).toEqual(["spec.pipeline[0].filter", "spec.pipeline[1].select"]);
    expect(issues[1].message).toContain("wrong");
  });
});

describe("sliding windows", () => {
  const window = (size: string, slide: string): StepSpec[] => [
    { from: "bids", keyBy: ["auction"] },
    { window: { type: "sliding", size, slide }, aggregate: ["count(*) AS n"] },
    { to: "out" },
  ];

  it("refuses a slide larger than the size, saying why", () => {
    const issues = issuesOf(window("5s", "10s"));
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe("spec.pipeline[1].window");
    expect(issues[0].message).toContain("slide 10s is larger than its size 5s");
  });

  it("accepts a slide up to the size", () => {
    expect(issuesOf(window("10s", "10s"))).toEqual([]);
    expect(issuesOf(window("10s", "3s"))).toEqual([]);
  });

  it("refuses it in a window join too", () => {
    const issues = issuesOf([
      {
        from: "bids",
        join: {
          with: "bids",
          leftKey: ["auction"],
          rightKey: ["auction"],
          window: { type: "sliding", size: "1s", slide: "2s" },
        },
      },
      { to: "out" },
    ]);
    expect(issues.map((i) => i.path)).toEqual(["spec.pipeline[0].join"]);
  });
});
