import { afterAll, describe, expect, it } from "vitest";
import { buildExecutionGraph } from "../../../../runtime/engine/graph.js";
import { planManifest } from "../../../../runtime/planner/validate.js";
import { closeClusters, startInProcessCluster } from "../../../helpers/in-process-cluster.js";
import { manifestOf } from "../../../helpers/manifest-of.js";
import { runJob } from "../../../helpers/run-job.js";

/**
 * An interval join and a regular join run by a coordinator and 2 workers in this process (gRPC
 * over loopback): both inputs are hash-exchanged on the join keys, and the rows equal the
 * single-process run's. Auctions and bids come from 3 generator splits each, so rows reach the
 * join's subtasks interleaved and the join watermark is the slower input's.
 */
afterAll(closeClusters);

const manifest = (join: object) =>
  manifestOf(
    {
      sources: {
        bid: {
          generator: { kind: "nexmark-bid", seed: 3, count: 40_000, partitions: 3, batchSize: 2000 },
          eventTime: { field: "dateTime", maxOutOfOrderness: "4s" },
        },
        auction: {
          generator: { kind: "nexmark-auction", seed: 3, count: 3000, partitions: 3, batchSize: 500 },
          eventTime: { field: "dateTime", maxOutOfOrderness: "4s" },
        },
      },
      pipeline: [
        { from: "bid", join: { with: "auction", leftKey: ["auction"], rightKey: ["id"], ...join } },
        { select: ["auction", "bidder", "price", "dateTime", "seller"] },
        { to: "out" },
      ],
      sinks: { out: { console: {} } },
    },
    "joins",
  );

const key = (r: Record<string, unknown>) => JSON.stringify(r);

describe("interval and regular joins over 2 workers", { timeout: 120_000 }, () => {
  it("hash-exchange both inputs on the join keys; the output stays placed by the left key", () => {
    const g = buildExecutionGraph(planManifest(manifest({ between: { lower: "0s", upper: "10s" } })));
    expect(g.edges.map((e) => [e.stream, e.target, e.input, e.partitioning])).toEqual([
      ["bid", "pipeline[0].join", 0, { kind: "hash", columns: ["auction"], widths: [64] }],
      ["auction", "pipeline[0].join", 1, { kind: "hash", columns: ["id"], widths: [64] }],
    ]);
  });

  for (const [name, join] of [
    ["interval join [0, 10s]", { between: { lower: "0s", upper: "10s" } }],
    ["regular join", {}],
  ] as const) {
    it(`${name}: the single-process rows`, async () => {
      const local = (await runJob(manifest(join))).rows.out.map(key).sort();
      expect(local.length).toBeGreaterThan(100);
      const c = await startInProcessCluster(manifest(join), 2);
      const { status, rows } = await c.done;
      expect(status.state).toBe("FINISHED");
      expect(rows("out").map(key).sort()).toEqual(local);
    });
  }
});
