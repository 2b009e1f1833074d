import { afterAll, describe, expect, it } from "vitest";
import { closeClusters, startInProcessCluster } from "../../helpers/in-process-cluster.js";
import { runJob } from "../../helpers/run-job.js";
import { auctionWindowJob } from "../../helpers/test-jobs.js";

/**
 * Coordinator and workers in this one process, talking gRPC over loopback as separate processes
 * would: a quick end-to-end check of deployment, exchanges, watermarks, drain and commit.
 */
afterAll(closeClusters);

const manifest = (extra = "") =>
  auctionWindowJob({
    name: "inproc",
    seed: 4,
    count: 120000,
    partitions: 6,
    batchSize: 5000,
    maxOutOfOrderness: "1s",
    filter: "price > 100",
    aggregate: ["max(price) AS top", "count(*) AS bids", "count(distinct bidder) AS bidders"],
    totals: true,
    extra,
  });

async function runDistributed(parallelism: number) {
  const c = await startInProcessCluster(manifest(), parallelism);
  const { status, rows } = await c.done;
  return {
    status,
    out: rows("out"),
    totals: rows("totals"),
    exits: c.exits,
    summary: c.service.coordinator.metricsSummary(),
  };
}

const key = (r: Record<string, unknown>) => JSON.stringify(r);

describe("coordinator and workers in one process", () => {
  it("gives the single-process result with 1 and 3 workers, finishes, commits and shuts the workers down", async () => {
    const local = await runJob(manifest());
    const expected = local.rows.out.map(key).sort();
    const totals = local.rows.totals.map(key).sort();
    expect(expected.length).toBeGreaterThan(1000);
    expect(totals.length).toBeGreaterThan(3);
    for (const p of [1, 3]) {
      const { status, out, totals: gotTotals, exits, summary } = await runDistributed(p);
      expect(status).toMatchObject({
        state: "FINISHED",
        attempt: 1,
        restarts: 0,
        delivery: "at-least-once",
        parallelism: p,
      });
      expect(status.vertices.map((v) => v.name)).toEqual([
        "Source: bids -> pipeline[0].filter",
        // The select drops the key, so the second window is global: its input goes to subtask 0.
        "pipeline[1].keyBy -> pipeline[2].window -> pipeline[4].select -> Sink: out",
        "pipeline[5].window -> Sink: totals",
      ]);
      expect(out.map(key).sort()).toEqual(expected);
      expect(gotTotals.map(key).sort()).toEqual(totals);
      expect(summary.total.recordsIn).toBe(120_000);
      expect(exits).toEqual(new Array(p).fill(0));
    }
  });
});
