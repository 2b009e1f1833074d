import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISPOSE_FINALIZER } from "../../../operator/checkpoint/checkpoint-reconciler.js";
import { PERIODIC_LABEL } from "../../../operator/streamjob/periodic-savepoints.js";
import type { CheckpointStatus } from "../../../runtime/contract/status/checkpoint.js";
import { waitFor } from "../../env/lib/wait.js";
import { testEnv } from "../../helpers/env.js";
import { addScrapeTarget, removeScrapeTarget, waitForPromValue } from "../../helpers/prometheus.js";
import {
  type CheckpointWorld,
  checkpointStatus,
  createCheckpoint,
  createJob,
  eventReasons,
  jobStatus,
  logsOnFailure,
  ref,
  runningJobSpec,
  startWorld,
  waitForCheckpointPhase,
  waitForCoordinatorRunning,
} from "./checkpoint-fixture.js";

/**
 * Checkpoint objects reconciled by the operator against the real API server with kwok, the jobs'
 * pods run as real local processes by the pod runner (test/helpers/pod-runner.ts), savepoints
 * written to the real MinIO.
 */
describe("Checkpoint objects on a real API server with real coordinator and worker processes", () => {
  let w: CheckpointWorld | undefined;
  const world = () => w!;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });
  logsOnFailure(() => w);

  async function objectsUnder(prefix: string): Promise<string[]> {
    const page = await world().s3.send(new ListObjectsV2Command({ Bucket: world().bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key ?? "");
  }

  const keyOf = (path: string) => path.replace(`s3://${world().bucket}/`, "");

  it("runs a job's pods as processes, and the StreamJob status shows records/s from the coordinator", async () => {
    await createJob(world(), "plain", runningJobSpec());
    await waitForCoordinatorRunning(world(), "plain");
    expect(world().runner.processes({ job: "plain", role: "worker" })).toHaveLength(2);
    const targets = world().runner.workerMetricsTargets("plain");
    expect(targets).toHaveLength(2);
    // Prometheus scrapes the workers' real metrics ports.
    for (const t of targets) await addScrapeTarget(testEnv(), t);
    try {
      await waitForPromValue(testEnv(), 'sum(sabot_source_records_total{job_name="plain"})', (v) => v > 0, {
        timeoutMs: 30_000,
      });
    } finally {
      for (const t of targets) await removeScrapeTarget(testEnv(), t);
    }
    const status = await waitFor(
      async () => {
        const s = await jobStatus(world(), "plain");
        return (s?.metrics?.recordsInPerSecond ?? 0) > 0 ? s : undefined;
      },
      { what: "status.metrics.recordsInPerSecond > 0", timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(status?.metrics?.recordsInPerSecond).toBeGreaterThan(100);
    expect(status?.metrics?.updatedAt).toBeDefined();
  });

  it("fails a savepoint of a job without checkpoint storage at once, saying why", async () => {
    await createCheckpoint(world(), "no-storage", { jobRef: { name: "plain" }, type: "savepoint" });
    const s = await waitForCheckpointPhase(world(), "no-storage", ["Failed", "Completed"]);
    expect(s.phase).toBe("Failed");
    expect(s.error).toContain("has no spec.checkpointing.storage");
    expect(s.failedAttempts).toBe(1);
    await waitFor(async () => (await eventReasons(world(), "Checkpoint", "no-storage")).includes("Failed"), {
      what: "a Failed Event",
      timeoutMs: 10_000,
    });
  });

  it("retries a failing attempt with backoff up to backoffLimit, then Failed", async () => {
    // `type: checkpoint` records the newest periodic checkpoint; this job has none, so every attempt fails.
    const start = Date.now();
    await createCheckpoint(world(), "retried", { jobRef: { name: "plain" }, type: "checkpoint", backoffLimit: 2 });
    const s = await waitForCheckpointPhase(world(), "retried", ["Failed", "Completed"]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(300 + 600); // the backoffs (base 300 ms) were waited out
    expect(s.phase).toBe("Failed");
    expect(s.failedAttempts).toBe(3);
    expect(s.error).toContain("no completed checkpoint yet");
    expect(s.error).toContain("backoffLimit 2 reached");
    const reasons = await waitFor(
      async () => {
        const r = await eventReasons(world(), "Checkpoint", "retried");
        return r.includes("Failed") ? r : undefined;
      },
      { what: "a Failed Event", timeoutMs: 10_000 },
    );
    expect(reasons.filter((r) => r === "AttemptFailed")).toHaveLength(2);
  });

  let savepoint: CheckpointStatus | undefined;

  it("takes a real savepoint of a running job into MinIO and reports it in both statuses", async () => {
    // Deleting a job deletes its pods; the pod runner stops their processes (SIGTERM, graceful).
    await world().custom.deleteNamespacedCustomObject({ ...ref(world().ns, "streamjobs"), name: "plain" });
    await waitFor(async () => world().runner.processes({ job: "plain" }).length === 0, {
      what: "the processes of the deleted job's pods to stop",
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(
      world()
        .runner.exits.filter((p) => p.job === "plain")
        .map((p) => p.exited?.signal ?? null),
    ).not.toContain("SIGKILL");
    await createJob(world(), "stateful", runningJobSpec({ bucket: world().bucket }));
    await waitForCoordinatorRunning(world(), "stateful");
    await createCheckpoint(world(), "sp1", { jobRef: { name: "stateful" }, type: "savepoint", disposeOnDelete: true });
    savepoint = await waitForCheckpointPhase(world(), "sp1", ["Completed", "Failed", "Abandoned"], 90_000);
    expect(savepoint.error).toBeUndefined();
    expect(savepoint.phase).toBe("Completed");
    expect(savepoint.path).toMatch(new RegExp(`^s3://${world().bucket}/state/stateful/sp-\\d+$`));
    expect(savepoint.checkpointId).toBeGreaterThan(0);
    expect(savepoint.jobGeneration).toBe(1);
    expect(savepoint.sizeBytes).toBeGreaterThan(0);
    expect(savepoint.storageSecret).toBe("minio-creds");
    await world().s3.send(
      new HeadObjectCommand({ Bucket: world().bucket, Key: `${keyOf(savepoint.path!)}/manifest.json` }),
    );

    const obj = (await world().custom.getNamespacedCustomObject({
      ...ref(world().ns, "checkpoints"),
      name: "sp1",
    })) as {
      metadata: { finalizers?: string[]; ownerReferences?: { kind: string; name: string }[] };
    };
    expect(obj.metadata.finalizers).toContain(DISPOSE_FINALIZER);
    expect(obj.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "StreamJob", name: "stateful" })]);
    const reasons = await eventReasons(world(), "Checkpoint", "sp1");
    expect(reasons).toEqual(expect.arrayContaining(["InProgress", "Completed"]));

    const last = await waitFor(
      async () => {
        const s = await jobStatus(world(), "stateful");
        return s?.lastCheckpoint?.path === savepoint!.path ? s?.lastCheckpoint : undefined;
      },
      { what: "the StreamJob's status.lastCheckpoint to name the savepoint", timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(Date.parse(last.time)).toBeGreaterThan(Date.now() - 120_000);
  });

  it("deleting a disposeOnDelete Checkpoint deletes its files (finalizer)", async () => {
    expect(savepoint?.path).toBeDefined();
    const prefix = `${keyOf(savepoint!.path!)}/`;
    expect((await objectsUnder(prefix)).length).toBeGreaterThan(1);
    await world().custom.deleteNamespacedCustomObject({ ...ref(world().ns, "checkpoints"), name: "sp1" });
    await waitFor(
      async () => {
        try {
          await checkpointStatus(world(), "sp1");
          return false;
        } catch {
          return true; // 404: the finalizer was removed and the object is gone
        }
      },
      { what: "Checkpoint sp1 to be gone", timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(await objectsUnder(prefix)).toEqual([]);
  });

  it("periodic savepoints create Checkpoint objects on schedule and prune beyond savepointRetain, files too", async () => {
    await createJob(
      world(),
      "periodic",
      runningJobSpec({
        bucket: world().bucket,
        extra: { parallelism: 1, savepointInterval: "2s", savepointRetain: 2 },
      }),
    );
    await waitForCoordinatorRunning(world(), "periodic");
    const periodic = async () => {
      const list = (await world().custom.listNamespacedCustomObject({
        ...ref(world().ns, "checkpoints"),
        labelSelector: `${PERIODIC_LABEL}=true,sabot.dev/job=periodic`,
      })) as { items: { metadata: { name: string }; status?: CheckpointStatus }[] };
      return list.items;
    };
    const seen = new Set<string>();
    await waitFor(
      async () => {
        for (const c of await periodic()) seen.add(c.metadata.name);
        return seen.size >= 5;
      },
      { what: "five periodic savepoints to be created", timeoutMs: 90_000, intervalMs: 300 },
    );
    // Pruning keeps the two newest completed ones (plus at most one in flight).
    const now = await waitFor(
      async () => {
        const items = await periodic();
        const completed = items.filter((c) => c.status?.phase === "Completed");
        return completed.length === 2 && items.length <= 3 ? items : undefined;
      },
      { what: "two completed periodic savepoints kept", timeoutMs: 20_000, intervalMs: 300 },
    );
    expect(now.every((c) => c.status?.phase !== "Failed")).toBe(true);
    // The pruned ones' folders are gone from MinIO: at most the kept ones and one in flight remain.
    await waitFor(
      async () => {
        const folders = new Set((await objectsUnder("state/periodic/sp-")).map((k) => k.split("/")[2]));
        return folders.size <= 3 ? folders : undefined;
      },
      { what: "pruned savepoint folders to be deleted", timeoutMs: 20_000, intervalMs: 500 },
    );
  });
});
