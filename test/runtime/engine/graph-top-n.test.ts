import { describe, expect, it } from "vitest";
import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import { planText } from "../../../runtime/planner/validate.js";

const job = (pipeline: string) =>
  buildExecutionGraph(
    planText(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: g }
spec:
  sources:
    bids: { generator: { kind: nexmark-bid, count: 10 }, eventTime: { field: dateTime } }
  sinks: { out: { console: {} } }
  pipeline:
    - { from: bids, keyBy: [auction] }
    - window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS n"]
      windowTime: true
${pipeline}
    - to: out
`).plan,
  );

describe("execution graph: keyBy: [] and topN", () => {
  it("keyBy: [] sends everything to one subtask, so a global window over a keyed window's output sees every row", () => {
    const g = job(`    - keyBy: []
    - window: { type: tumbling, size: 10s }
      aggregate: ["max(n) AS top"]`);
    expect(g.edges.map((e) => e.partitioning)).toEqual([
      { kind: "hash", columns: ["auction"], widths: [null] },
      { kind: "single" },
    ]);
  });

  it("topN over a keyed window's output re-partitions by the window bounds (the rows of one window meet)", () => {
    const g = job('    - topN: { orderBy: ["n DESC"], limit: 3 }');
    expect(g.edges.map((e) => e.partitioning)).toEqual([
      { kind: "hash", columns: ["auction"], widths: [null] },
      { kind: "hash", columns: ["window_start", "window_end"], widths: [null, null] },
    ]);
  });

  it("topN partitioned by the window's own key needs no exchange", () => {
    const g = job('    - topN: { partitionBy: [auction], orderBy: ["n DESC"], limit: 1 }');
    expect(g.edges).toHaveLength(1);
  });
});
