import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listCheckpoints, locateSnapshot, openCheckpointStorage } from "../../../runtime/checkpoint/index.js";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import type { Row } from "../../helpers/collecting-sink.js";
import { closeClusters, startInProcessCluster, waitFor } from "../../helpers/in-process-cluster.js";
import { runJob } from "../../helpers/run-job.js";
import { auctionWindowJob } from "../../helpers/test-jobs.js";

/**
 * Checkpoints of distributed jobs, with coordinator and workers in this process talking gRPC over
 * loopback: barriers through the exchanges, alignment, savepoints, stop-with-savepoint and
 * restoring with another parallelism.
 */
const dir = mkdtempSync(join(tmpdir(), "sabot-dist-chk-"));
afterAll(async () => {
  await closeClusters();
  rmSync(dir, { recursive: true, force: true });
});

const manifest = (name: string, rate: number, extra = ""): StreamJobManifest =>
  auctionWindowJob({
    name,
    seed: 9,
    count: 90000,
    partitions: 6,
    batchSize: 1000,
    rate,
    maxOutOfOrderness: "1s",
    aggregate: ["max(price) AS top", "count(*) AS bids", "count(distinct bidder) AS bidders"],
    totals: true,
    checkpointing: { interval: "250ms", storage: `file://${dir}`, retain: 2 },
    extra,
  });

const key = (r: Row) => JSON.stringify(r);
const sorted = (rows: Row[]) => rows.map(key).sort();

describe("checkpoints of distributed jobs", () => {
  it("completes aligned checkpoints while running and gives the same result as without them", async () => {
    const m = manifest("chk-align", 15_000);
    const local = await runJob(manifest("chk-align-local", 15_000));
    const c = await startInProcessCluster(m, 3);
    const { status, rows } = await c.done;
    expect(status.state).toBe("FINISHED");
    expect(status.checkpointsCompleted).toBeGreaterThanOrEqual(1);
    expect(status.lastCheckpoint?.path).toMatch(/chk-align\/chk-\d+$/);
    // Every worker counted the completions the coordinator told it of.
    const counted = (await c.metrics.checkpoints.get()).values.filter((v) => v.labels.result === "completed");
    expect(counted.map((v) => v.labels.subtask).sort()).toEqual(["0", "1", "2"]);
    for (const v of counted) expect(v.value).toBeGreaterThanOrEqual(1);
    expect(sorted(rows("out"))).toEqual(sorted(local.rows.out));
    expect(sorted(rows("totals"))).toEqual(sorted(local.rows.totals));
    // Retention (after each completion, in the background) keeps the newest two checkpoints.
    const completeOnes = async () =>
      (await listCheckpoints(openCheckpointStorage(`file://${dir}`), "chk-align")).filter((x) => x.complete);
    let kept = await completeOnes();
    for (let i = 0; i < 40 && kept.length > 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      kept = await completeOnes();
    }
    expect(kept.length).toBeLessThanOrEqual(2);
    expect(kept[0].manifest!.parallelism).toBe(3);
  });

  it("stops with a savepoint and continues from it with another parallelism, losing and repeating nothing", async () => {
    const local = await runJob(manifest("chk-sp-local", 12_000));
    const first = await startInProcessCluster(manifest("chk-sp", 12_000), 2);
    await waitFor(() => first.service.coordinator.metricsSummary().total.recordsIn > 20_000, "20k records read");
    const info = first.service.coordinator.triggerSavepoint(true, "test");
    const a = await first.done;
    expect(a.status.state).toBe("STOPPED");
    expect(a.status.message).toContain("stopped with savepoint");
    const sp = first.service.coordinator.checkpoints.info(info.id)!;
    expect(sp).toMatchObject({ state: "COMPLETED", kind: "savepoint" });
    expect(locateSnapshot(sp.path)).toMatchObject({ job: "chk-sp", kind: "savepoint", id: info.id });
    // Not everything was read: the rest comes from the restored job.
    expect(a.status.lastCheckpoint?.id).toBe(info.id);

    const second = await startInProcessCluster(manifest("chk-sp", 12_000), 3, sp.path);
    const b = await second.done;
    expect(b.status.state).toBe("FINISHED");
    expect(b.status.restoredFrom).toBe(sp.path);
    expect(sorted([...a.rows("out"), ...b.rows("out")])).toEqual(sorted(local.rows.out));
    expect(sorted([...a.rows("totals"), ...b.rows("totals")])).toEqual(sorted(local.rows.totals));

    // The same savepoint as spec.initialSavepoint of a single-process run (another job name).
    const single = manifest("chk-sp-single", 12_000);
    single.spec.initialSavepoint = sp.path;
    const c = await runJob(single);
    expect(sorted([...a.rows("out"), ...c.rows.out])).toEqual(sorted(local.rows.out));
  });

  it("never restores a checkpoint whose state file fails its checksum: the workers report it and the one before is used", async () => {
    const first = await startInProcessCluster(manifest("chk-corrupt", 12_000), 2);
    const co = first.service.coordinator;
    await waitFor(() => co.checkpoints.completed >= 2, "two checkpoints");
    co.cancel("test: crash");
    await first.done;
    const storage = openCheckpointStorage(`file://${dir}`);
    const [newest, previous] = (await listCheckpoints(storage, "chk-corrupt")).filter((x) => x.complete);
    // Same size, other bytes: only the SHA-256 check, which workers do while restoring, can tell.
    const file = Object.values(newest.manifest!.operators)[0].subtasks[0].files[0];
    const path = join(dir, "chk-corrupt", `chk-${newest.id}`, file.path);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(path, bytes);

    const second = await startInProcessCluster(manifest("chk-corrupt", 12_000), 2);
    const { status } = await second.done;
    expect(status.state).toBe("FINISHED");
    expect(status.restoredFrom).toMatch(new RegExp(`/chk-${previous.id}$`));
    expect(status.restarts).toBe(1);
  });
});
