import { describe, expect, it } from "vitest";
import { bidsGraph } from "./bids-graph.js";

const job = (pipeline: string) =>
  bidsGraph(`    - { from: bids, keyBy: [auction] }
    - window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS n"]
      windowTime: true
${pipeline}`);

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
