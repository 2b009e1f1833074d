import { describe, expect, it } from "vitest";
import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import { planText } from "../../../runtime/planner/validate.js";

const head = `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: g }
spec:
`;

function graphOf(spec: string) {
  return buildExecutionGraph(planText(head + spec).plan);
}

const BIDS = `  sources:
    bids: { generator: { kind: nexmark-bid, count: 10 }, eventTime: { field: dateTime } }
  sinks: { out: { console: {} } }
`;

describe("execution graph", () => {
  it("splits a keyed aggregation at keyBy: the source chain and the keyed chain, one hash exchange between", () => {
    const g = graphOf(`${BIDS}  pipeline:
    - { from: bids, filter: "price > 10" }
    - keyBy: [auction]
    - window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS n"]
    - select: ["auction AS a", n, window_end]
    - window: { type: tumbling, size: 1m }
      aggregate: ["sum(n) AS total"]
    - to: out
`);
    expect(g.edges).toEqual([
      {
        id: 0,
        stream: "pipeline[0]",
        target: "pipeline[1].keyBy",
        input: 0,
        partitioning: { kind: "hash", columns: ["auction"], widths: [null] },
      },
    ]);
    // The second window is keyed by the renamed key (still placed by it): chained, no exchange.
    expect(g.vertices.map((v) => v.name)).toEqual([
      "Source: bids -> pipeline[0].filter",
      "pipeline[1].keyBy -> pipeline[2].window -> pipeline[3].select -> pipeline[4].window -> Sink: out",
    ]);
    expect(g.outputsOf("bids")).toEqual({ edges: [0], sinks: [] });
    expect(g.outputsOf("pipeline[1]")).toEqual({ edges: [], sinks: ["out"] });
    expect(g.upstreamOf(0)).toEqual({ sources: ["bids"], edges: [] });
    expect(g.edgeInto("pipeline[1].keyBy", 0)?.id).toBe(0);
    expect(g.edgeInto("pipeline[2].window", 0)).toBeUndefined();
  });

  it("sends a window without keys to subtask 0, and re-partitions when a select drops the key", () => {
    const g = graphOf(`${BIDS}  pipeline:
    - from: bids
      window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS n"]
    - to: out
`);
    expect(g.edges.map((e) => e.partitioning)).toEqual([{ kind: "single" }]);

    const g2 = graphOf(`${BIDS}  pipeline:
    - { from: bids, keyBy: [auction] }
    - window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS n"]
    - window: { type: tumbling, size: 1m }
      aggregate: ["sum(n) AS total"]
    - select: ["total * 2 AS t", window_end]
    - window: { type: tumbling, size: 1h }
      aggregate: ["count(*) AS windows"]
    - to: out
`);
    // keyBy, then a global window over a stream no longer keyed.
    expect(g2.edges.map((e) => [e.target, e.partitioning.kind])).toEqual([
      ["pipeline[0].keyBy", "hash"],
      ["pipeline[4].window", "single"],
    ]);
    expect(g2.upstreamOf(1)).toEqual({ sources: [], edges: [0] });
  });

  it("routes both inputs of a windowed join by the join's own key hashing", () => {
    const g = graphOf(`  sources:
    persons: { generator: { kind: nexmark-person, count: 10 }, eventTime: { field: dateTime } }
    auctions: { generator: { kind: nexmark-auction, count: 10 }, eventTime: { field: dateTime } }
  pipeline:
    - from: auctions
      join: { with: persons, leftKey: [seller], rightKey: [id], window: { type: tumbling, size: 10s } }
    - to: out
  sinks: { out: { console: {} } }
`);
    expect(g.edges.map((e) => [e.stream, e.input, e.partitioning])).toEqual([
      ["auctions", 0, { kind: "hash", columns: ["seller"], widths: [64] }],
      ["persons", 1, { kind: "hash", columns: ["id"], widths: [64] }],
    ]);
    expect(g.vertices).toHaveLength(3);
  });

  it("routes a lookup join's stream at the table key's widths and the table by its key", () => {
    const g = graphOf(`  sources:
    trades:
      kafka: { bootstrapServers: ["127.0.0.1:1"], topic: t }
      schema: [{ name: sym, type: utf8 }, { name: n, type: int32 }, { name: ts, type: "timestamp[ms]" }]
      eventTime: { field: ts }
    refs:
      kafka: { bootstrapServers: ["127.0.0.1:1"], topic: r, table: { key: [code] } }
      schema: [{ name: code, type: int64 }, { name: name, type: utf8 }]
  pipeline:
    - { from: trades, lookupJoin: { table: refs, key: [n] } }
    - to: out
  sinks: { out: { console: {} } }
`);
    expect(g.edges.map((e) => [e.stream, e.input, e.partitioning])).toEqual([
      ["trades", 0, { kind: "hash", columns: ["n"], widths: [64] }],
      ["refs", 1, { kind: "hash", columns: ["code"], widths: [null] }],
    ]);
  });
});
