import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { coordinatorConfig, workerConfig } from "../../../runtime/distributed/config.js";
import { CoordinatorService } from "../../../runtime/distributed/coordinator/service.js";
import { Worker } from "../../../runtime/distributed/worker/worker.js";
import { parseManifest } from "../../../runtime/spec/manifest.js";
import { CollectingSink } from "../../helpers/collecting-sink.js";
import { runJob } from "../../helpers/run-job.js";

/**
 * Coordinator and workers in this one process, talking gRPC over loopback as separate processes
 * would: a quick end-to-end check of deployment, exchanges, watermarks, drain and commit.
 */
const quiet = pino({ level: "silent" });
const services: CoordinatorService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
});

const manifest = (extra = "") =>
  parseManifest(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: inproc }
spec:
  sources:
    bids:
      generator: { kind: nexmark-bid, seed: 4, count: 120000, partitions: 6, batchSize: 5000 }
      eventTime: { field: dateTime, maxOutOfOrderness: 1s }
  pipeline:
    - { from: bids, filter: "price > 100" }
    - keyBy: [auction]
    - window: { type: tumbling, size: 1s }
      aggregate: ["max(price) AS top", "count(*) AS bids", "count(distinct bidder) AS bidders"]
      as: per_auction
    - to: out
    - from: per_auction
      select: [bids, top, window_end]
    - window: { type: tumbling, size: 2s }
      aggregate: ["sum(bids) AS bids", "max(top) AS top"]
    - to: totals
  sinks:
    out: { console: { maxRows: 0 } }
    totals: { console: { maxRows: 0 } }
${extra}`);

async function runDistributed(parallelism: number) {
  const m = manifest();
  const config = { ...coordinatorConfig({}, {}), port: 0, parallelism, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 5000 };
  const service = await CoordinatorService.start(m, config, quiet);
  services.push(service);
  const sinks: [string, CollectingSink][] = [];
  const exits: number[] = [];
  const workers = Array.from(
    { length: parallelism },
    (_, i) =>
      new Worker(workerConfig({ coordinator: service.address, id: `w${i}` }, {}), {
        log: quiet,
        sinkFactory: (node) => {
          const s = new CollectingSink();
          sinks.push([node.name, s]);
          return s;
        },
        exit: (code) => exits.push(code),
      }),
  );
  await Promise.all(workers.map((w) => w.start()));
  const status = await service.coordinator.terminal;
  const summary = service.coordinator.metricsSummary();
  await new Promise((r) => setTimeout(r, 300));
  const rows = (name: string) => sinks.flatMap(([n, s]) => (n === name ? s.toRows() : []));
  return { status, out: rows("out"), totals: rows("totals"), exits, summary };
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
      expect(status).toMatchObject({ state: "FINISHED", attempt: 1, restarts: 0, delivery: "at-least-once", parallelism: p });
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
