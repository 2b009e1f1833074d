import { describe, expect, it } from "vitest";
import { bidsGraph } from "./bids-graph.js";

const job = bidsGraph;

describe("execution graph: updating results", () => {
  it("upsertAggregate after keyBy stays where the keyBy hashed its rows", () => {
    const g = job(`    - { from: bids, keyBy: [auction] }
    - upsertAggregate: ["count(*) AS n"]`);
    expect(g.edges.map((e) => e.partitioning)).toEqual([{ kind: "hash", columns: ["auction"], widths: [null] }]);
  });

  it("upsertAggregate without keys gathers every row on one subtask (one global row, not one per subtask)", () => {
    const g = job(`    - { from: bids, upsertAggregate: ["count(*) AS n"] }`);
    expect(g.edges.map((e) => e.partitioning)).toEqual([{ kind: "single" }]);
  });

  it("upsertTopN after a keyBy on its partition stays where the keyBy hashed its rows", () => {
    const g = job(`    - { from: bids, keyBy: [auction] }
    - upsertTopN: { partitionBy: [auction], orderBy: ["price DESC"], limit: 3, rowNumber: rn }`);
    expect(g.edges.map((e) => e.partitioning)).toEqual([{ kind: "hash", columns: ["auction"], widths: [null] }]);
  });
});
