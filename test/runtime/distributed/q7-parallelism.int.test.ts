import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { batchRows, type Row } from "../../helpers/collecting-sink.js";
import { uniqueName } from "../../helpers/names.js";
import { runJob } from "../../helpers/run-job.js";
import { sleep, type TestCluster, useTestClusters } from "./cluster.js";

/**
 * Nexmark q7 (max price and bid count per auction per 10 s window) at parallelism 1, 2 and 4 with
 * real worker processes on 127.0.0.1 (mTLS, as the operator sets clusters up), exactly-once
 * checkpoints to local files and a kill -9 of a worker once a checkpoint has completed: each run's
 * committed output must be the single-process run's, row for row. The generator is throttled so
 * the kill lands mid-run (60,000 bids over about 6 s).
 */

const BIDS = 60_000;
const newCluster = useTestClusters();

function q7(name: string, out: string, storage: string): StreamJobManifest {
  return {
    name,
    spec: {
      sources: {
        bids: {
          generator: {
            kind: "nexmark-bid",
            seed: 7,
            count: BIDS,
            partitions: 4,
            batchSize: 1000,
            ratePerSecond: 10_000,
          },
          eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
        },
      },
      pipeline: [
        { from: "bids", keyBy: ["auction"] },
        { window: { type: "tumbling", size: "10s" }, aggregate: ["max(price) AS max_price", "count(*) AS bids"] },
        { select: ["auction", "window_start", "window_end", "max_price", "bids"] },
        { to: "out" },
      ],
      sinks: { out: { files: { path: out, format: "arrow" } } },
      checkpointing: { interval: "300ms", storage, mode: "exactly-once", retain: 2 },
      restartStrategy: { maxRestarts: 5, initialBackoff: "200ms", maxBackoff: "1s" },
    },
  };
}

const key = (r: Row) => JSON.stringify([r.auction, r.window_start, r.window_end, r.max_price, r.bids]);

/** Rows of every committed output file (staged files are not .arrow until committed). */
function committedRows(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".arrow"))
    .flatMap((f) => tableFromIPC(readFileSync(join(dir, f))).batches.flatMap((b) => batchRows(b).map(key)));
}

/** Runs q7 with `p` workers, SIGKILLs worker-0 after the first completed checkpoint, restarts it. */
async function killedRun(c: TestCluster, p: number) {
  const out = join(c.dir, "out");
  const file = c.writeManifest("q7", q7(uniqueName(`q7-p${p}`), out, pathToFileURL(join(c.dir, "chk")).href));
  await c.startCoordinator(file, p);
  for (let i = 0; i < p; i++) c.startWorker(`worker-${i}`);
  await c.waitForStatus((s) => s.state === "RUNNING" && s.checkpointsCompleted > 0, 60_000, "a checkpoint");
  const before = await c.metrics();
  const victim = c.workers.get("worker-0")!;
  victim.kill("SIGKILL");
  expect((await c.exitOf(victim)).signal).toBe("SIGKILL");
  await sleep(300); // as a kubelet would, start it again under the same id
  c.startWorker("worker-0");
  const final = await c.waitForStatus((s) => s.state === "FINISHED", 120_000, "FINISHED");
  return { final, readBeforeKill: before.total.recordsIn, rows: committedRows(out).sort() };
}

describe("q7 at parallelism 1, 2 and 4 with checkpoints and a kill -9", () => {
  it("every parallelism commits exactly the single-process result after a worker is killed mid-run", async () => {
    // The reference: one process, unthrottled, no checkpoints (event times follow event ids, not the rate).
    const single = q7("q7-local", "unused", "unused");
    delete single.spec.checkpointing;
    delete single.spec.sources!.bids.generator!.ratePerSecond;
    const local = await runJob(single);
    const expected = local.rows.out.map(key).sort();
    expect(expected.length).toBeGreaterThan(1000);
    for (const p of [1, 2, 4]) {
      const c = newCluster();
      const { final, readBeforeKill, rows } = await killedRun(c, p);
      console.info(
        `q7 p=${p}: killed after ${readBeforeKill} of ${BIDS} bids read, ${final.restarts} restarts, ${rows.length} rows`,
      );
      expect(readBeforeKill).toBeLessThan(BIDS);
      expect(final.restarts).toBeGreaterThanOrEqual(1);
      expect(final.delivery).toBe("exactly-once");
      expect(rows).toEqual(expected);
      c.killAll();
    }
  }, 420_000);
});
