import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { parseManifest, type StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { batchRows, type Row } from "../../helpers/collecting-sink.js";
import { runJob } from "../../helpers/run-job.js";
import { useTestClusters } from "./cluster.js";

/**
 * A worker that sends one corrupted exchange frame mid-run (cut in half: corrupt-one-frame.ts,
 * preloaded into that worker only). The receiving worker refuses it, its attempt fails, the
 * coordinator restarts the job from its newest checkpoint, and with exactly-once files the
 * committed output is exactly what one process computes: no row of the bad frame, none twice.
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PRELOAD = fileURLToPath(new URL("./corrupt-one-frame.ts", import.meta.url));
const newCluster = useTestClusters();

function job(out: string, checkpoints: string): StreamJobManifest {
  const quickstart = parseManifest(readFileSync(join(ROOT, "examples/quickstart.yaml"), "utf8"));
  const bids = quickstart.spec.sources!.bids!;
  return {
    name: "hostile-sender",
    spec: {
      ...quickstart.spec,
      // Throttled, so checkpoints complete before the bad frame and the job outlives it.
      sources: {
        bids: { ...bids, generator: { ...bids.generator!, count: 200_000, ratePerSecond: 20_000, partitions: 4 } },
      },
      sinks: { out: { files: { path: out, format: "arrow" } } },
      checkpointing: { interval: "300ms", storage: pathToFileURL(checkpoints).href, mode: "exactly-once" },
      restartStrategy: { maxRestarts: 3, initialBackoff: "200ms", maxBackoff: "1s" },
    },
  };
}

const rowsIn = (dir: string): Row[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".arrow"))
    .flatMap((f) => tableFromIPC(readFileSync(join(dir, f))).batches.flatMap(batchRows));

describe("a worker that sends a corrupted exchange frame", () => {
  it("is refused by the receiver; the job restarts from its checkpoint and its output is exact", async () => {
    const c = newCluster();
    const out = join(c.dir, "out");
    const manifest = job(out, join(c.dir, "checkpoints"));
    const trigger = join(c.dir, "corrupt-now");
    await c.startCoordinator(c.writeManifest("hostile-sender", manifest), 2);
    c.startWorker("worker-0");
    c.startWorker("worker-1", {
      NODE_OPTIONS: `--import tsx --import ${PRELOAD}`,
      SABOT_TEST_CORRUPT_FRAME_WHEN: trigger,
    });
    // The bad frame goes out once a checkpoint exists, so the restart has one to start from.
    await c.waitForStatus((s) => s.checkpointsCompleted > 0, 60_000, "a completed checkpoint");
    writeFileSync(trigger, "");
    const end = await c.waitForStatus((s) => s.state === "FINISHED" || s.state === "FAILED", 120_000, "the job to end");
    const logs = readdirSync(c.dir)
      .filter((f) => f.endsWith(".log"))
      .map((f) => readFileSync(join(c.dir, f), "utf8"))
      .join("\n");
    expect(logs).toContain("corrupt-one-frame: cutting a frame");
    expect(logs).toMatch(/refused: (corrupt_ipc|row_count_mismatch)/);
    // The next attempt starts from a checkpoint taken before the bad frame.
    expect(logs).toMatch(/"attempt":2,"restoreFrom":"file:[^"]*\/chk-\d+"/);
    expect(end.state).toBe("FINISHED");
    expect(end.restarts).toBeGreaterThanOrEqual(1);
    expect(end.checkpointsCompleted).toBeGreaterThan(0);

    const key = (r: Row) => JSON.stringify([r.auction, r.window_start, r.bids, r.top_price, r.avg_price]);
    const single = await runJob({
      ...manifest,
      spec: { ...manifest.spec, checkpointing: undefined, restartStrategy: undefined, sinks: { out: { console: {} } } },
    });
    const got = rowsIn(out).map(key).sort();
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(single.rows.out!.map(key).sort());
  }, 180_000);
});
