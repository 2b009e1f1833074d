import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { FINALIZER } from "../../../operator/streamjob/reconciler.js";
import { DEFAULT_SETTINGS, operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { jobControlClient } from "../../helpers/job-tls.js";
import {
  type CheckpointWorld,
  createJob,
  eventReasons,
  jobStatus,
  ref,
  runningJobSpec,
  storageWorld,
} from "../checkpoint/checkpoint-fixture.js";
import { kubeConfig, kubectl } from "../kube/kube.js";

/**
 * The StreamJob lifecycle (operator/streamjob/states) against the real API server and kwok, the
 * jobs' pods run as real coordinator and worker processes (test/helpers/pod-runner.ts), savepoints
 * written to the real MinIO. One job goes through suspend, resume, rescale, an operator restart
 * mid-upgrade, a failed upgrade with rollback, and deletion with a final savepoint.
 */
describe("StreamJob lifecycle with real coordinator and worker processes", () => {
  let kc: KubeConfig;
  let w: CheckpointWorld;
  let operator: OperatorManager | undefined;
  const log = pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" });
  const JOB = "life";

  function startOperator(identity: string): OperatorManager {
    const m = new OperatorManager(
      kc,
      {
        settings: operatorSettings({
          image: "registry.k8s.io/pause:3.10",
          shutdownTimeoutSeconds: 5,
          preStopSleepSeconds: 1,
          lifecycle: {
            ...DEFAULT_SETTINGS.lifecycle,
            stableAfterMs: 2_000,
            pollIntervalMs: 300,
            savepointTimeoutMs: 30_000,
          },
        }),
        namespace: w.ns,
        identity,
        lease: { namespace: w.ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
        resyncMs: 10_000,
        coordinatorResolver: (job) => w.runner.coordinatorAddressNow(job.metadata.name),
        checkpoints: {
          observeIntervalMs: 2_000,
        },
      },
      log,
    );
    m.start();
    return m;
  }

  beforeAll(async () => {
    kc = kubeConfig();
    w = {
      ...(await storageWorld(kc, "lifecycle")),
      operator: undefined as unknown as OperatorManager,
      stop: async () => undefined,
    };
    operator = startOperator("lifecycle-operator-1");
    await waitFor(async () => operator!.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });
  }, 60_000);

  afterAll(async () => {
    // Jobs first, while the operator still runs to release their finalizers.
    await w?.custom.deleteCollectionNamespacedCustomObject({ ...ref(w.ns, "streamjobs") }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3_000));
    await operator?.stop();
    await w?.runner.stop();
    if (w) await w.core.deleteNamespace({ name: w.ns });
    w?.s3.destroy();
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail") return;
    console.error(w.runner.logs());
    const s = await jobStatus(w, JOB).catch(() => undefined);
    console.error(
      "status:",
      JSON.stringify({ ...s, lastReconciledSpec: undefined, lastStableSpec: undefined }, null, 1),
    );
    const { items } = await w.core.listNamespacedEvent({
      namespace: w.ns,
      fieldSelector: `involvedObject.name=${JOB}`,
    });
    for (const e of items) console.error("event:", e.reason, e.message);
  });

  const status = async () => (await jobStatus(w, JOB))!;
  async function phase(
    want: string,
    timeoutMs = 90_000,
    extra: (s: StreamJobStatus) => boolean = () => true,
  ): Promise<StreamJobStatus> {
    return waitFor(
      async () => {
        const s = await jobStatus(w, JOB);
        return s?.phase === want && !s.upgrade && extra(s) ? s : undefined;
      },
      { what: `StreamJob ${JOB} to be ${want}`, timeoutMs, intervalMs: 300 },
    );
  }
  /** The coordinator runs the job (processes of earlier deployments have exited on purpose: not checked). */
  async function waitForCoordinatorRunning(_w: CheckpointWorld, job: string): Promise<void> {
    const c = await jobControlClient(w.core, w.ns, job, await w.runner.coordinatorAddress(job));
    try {
      await waitFor(async () => ((await c.getJobStatus()).state === "RUNNING" ? true : undefined), {
        what: `the coordinator of ${job} to run it`,
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    } finally {
      c.close();
    }
  }
  async function coordinator() {
    const c = await jobControlClient(w.core, w.ns, JOB, await w.runner.coordinatorAddress(JOB));
    try {
      return await c.getJobStatus();
    } finally {
      c.close();
    }
  }
  async function objectExists(path: string): Promise<boolean> {
    const key = `${path.replace(`s3://${w.bucket}/`, "")}/manifest.json`;
    return w.s3.send(new HeadObjectCommand({ Bucket: w.bucket, Key: key })).then(
      () => true,
      () => false,
    );
  }
  const reasons = () => eventReasons(w, "StreamJob", JOB);
  const patchSpec = (spec: Partial<StreamJobSpec>) =>
    kubectl(w.ns, "patch", `streamjob/${JOB}`, "--type=merge", "-p", JSON.stringify({ spec }));

  it("deploys a job with storage: Running, stable, finalizer on", async () => {
    await createJob(w, JOB, runningJobSpec({ bucket: w.bucket }));
    await phase("Running");
    await waitForCoordinatorRunning(w, JOB);
    const s = await phase("Running", 30_000, (x) => x.lastStableSpec !== undefined);
    expect(s.lastStableSpec).toBe(s.lastReconciledSpec);
    const job = (await w.custom.getNamespacedCustomObject({ ...ref(w.ns, "streamjobs"), name: JOB })) as {
      metadata: { finalizers?: string[] };
    };
    expect(job.metadata.finalizers).toContain(FINALIZER);
    // The operator's job observer hands the coordinator its view of the job (Events, autoscaler
    // decisions) for the web UI, over the Control API: the coordinator then reports its digest.
    await waitFor(async () => ((await coordinator()).operatorViewDigest ? true : undefined), {
      what: "the operator's view of the job at the coordinator",
      timeoutMs: 20_000,
      intervalMs: 500,
    });
  });

  it("suspends with a savepoint in storage, and resumes restoring it", async () => {
    await patchSpec({ state: "suspended" });
    const suspended = await phase("Suspended");
    expect(suspended.lastSavepoint?.path).toMatch(new RegExp(`^s3://${w.bucket}/state/${JOB}/sp-\\d+$`));
    expect(suspended.restoreFrom).toBe(suspended.lastSavepoint!.path);
    expect(await objectExists(suspended.lastSavepoint!.path)).toBe(true);
    expect(suspended.conditions?.find((c) => c.type === "Ready")?.message).toContain(suspended.lastSavepoint!.path);
    await waitFor(async () => w.runner.processes({ job: JOB }).length === 0, {
      what: "no processes left",
      timeoutMs: 30_000,
    });

    await patchSpec({ state: "running" });
    await phase("Running");
    await waitForCoordinatorRunning(w, JOB);
    expect((await coordinator()).restoredFrom).toBe(suspended.lastSavepoint!.path);
    await waitFor(async () => ((await reasons()).includes("Resumed") ? true : undefined), {
      what: "a Resumed Event",
      timeoutMs: 10_000,
    });
    expect(await reasons()).toEqual(
      expect.arrayContaining(["Suspending", "SavepointCompleted", "Suspended", "Resuming", "Resumed"]),
    );
  });

  it("rescales 2 → 3 with `kubectl scale` through Upgrading and a savepoint", async () => {
    const before = (await status()).lastSavepoint?.id;
    await kubectl(w.ns, "scale", `streamjob/${JOB}`, "--replicas=3");
    await waitFor(async () => ((await status()).phase === "Upgrading" ? true : undefined), {
      what: "Upgrading",
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const s = await phase("Running", 90_000, (x) => x.parallelism === 3);
    expect(s.lastSavepoint?.reason).toBe("upgrade");
    expect(s.lastSavepoint?.id).not.toBe(before);
    expect(s.restoreFrom).toBe(s.lastSavepoint!.path);
    await waitForCoordinatorRunning(w, JOB);
    const c = await coordinator();
    expect(c.restoredFrom).toBe(s.lastSavepoint!.path);
    expect(c.parallelism).toBe(3);
    await waitFor(async () => ((await reasons()).includes("UpgradeCompleted") ? true : undefined), {
      what: "an UpgradeCompleted Event",
      timeoutMs: 10_000,
    });
    expect(await reasons()).toEqual(expect.arrayContaining(["Upgrading", "UpgradeStarted", "UpgradeCompleted"]));
  });

  it("an operator stopped mid-upgrade (status: Savepointing) and replaced by a new operator: the new one finishes it", async () => {
    await phase("Running", 30_000, (x) => x.lastStableSpec === x.lastReconciledSpec);
    await kubectl(w.ns, "scale", `streamjob/${JOB}`, "--replicas=2");
    await waitFor(async () => ((await status()).upgrade?.phase === "Savepointing" ? true : undefined), {
      what: "a savepoint in flight",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await operator!.stop();
    operator = startOperator("lifecycle-operator-2");
    const s = await phase("Running", 90_000, (x) => x.parallelism === 2);
    await waitForCoordinatorRunning(w, JOB);
    const c = await coordinator();
    expect(c.parallelism).toBe(2);
    expect(c.restoredFrom).toBe(s.lastSavepoint!.path);
    await waitFor(
      async () => ((await reasons()).filter((r) => r === "SavepointCompleted").length === 3 ? true : undefined),
      {
        what: "3 SavepointCompleted Events",
        timeoutMs: 10_000,
      },
    );
  });

  it("deleting the job takes a final savepoint, then the job and its children go", async () => {
    await kubectl(w.ns, "delete", `streamjob/${JOB}`, "--wait=false");
    await waitFor(
      async () => {
        try {
          await w.custom.getNamespacedCustomObject({ ...ref(w.ns, "streamjobs"), name: JOB });
          return undefined;
        } catch {
          return true;
        }
      },
      { what: "the StreamJob to be gone", timeoutMs: 60_000, intervalMs: 500 },
    );
    await waitFor(async () => ((await reasons()).includes("FinalSavepointCompleted") ? true : undefined), {
      what: "a FinalSavepointCompleted Event",
      timeoutMs: 10_000,
    });
  });

  it("a failed upgrade (workers that never schedule) rolls back to the last stable spec (last-state, from the newest checkpoint)", async () => {
    const RB = "rollback";
    const spec = runningJobSpec({
      bucket: w.bucket,
      extra: { upgradeMode: "last-state", rollback: true, upgradeTimeout: "15s" },
    });
    spec.checkpointing = { ...spec.checkpointing, interval: "2s" };
    await createJob(w, RB, spec);
    const get = async () => (await jobStatus(w, RB))!;
    const stable = await waitFor(
      async () => {
        const s = await get();
        return s.phase === "Running" && s.lastStableSpec && s.lastStableSpec === s.lastReconciledSpec ? s : undefined;
      },
      { what: "rollback job Running and stable", timeoutMs: 90_000, intervalMs: 300 },
    );
    await waitFor(async () => ((await get()).lastCheckpoint ? true : undefined), {
      what: "a completed checkpoint",
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    await kubectl(
      w.ns,
      "patch",
      `streamjob/${RB}`,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { resources: { cpu: "100000" } } }),
    );
    const upgrading = await waitFor(
      async () => {
        const s = await get();
        return s.upgrade?.kind === "upgrade" && s.upgrade.phase === "Deploying" ? s : undefined;
      },
      { what: "the upgrade to deploy", timeoutMs: 30_000, intervalMs: 200 },
    );
    // last-state: the newest completed checkpoint, recorded in status.
    expect(upgrading.upgrade?.restoreFrom).toMatch(new RegExp(`/state/${RB}/(chk|sp)-\\d+$`));
    const rolledBack = await waitFor(
      async () => {
        const s = await get();
        return s.phase === "Running" && !s.upgrade && s.lastUpgradeFailure ? s : undefined;
      },
      { what: "the rollback to be Running", timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(rolledBack.lastReconciledSpec).toBe(stable.lastStableSpec);
    expect(rolledBack.lastUpgradeFailure?.reason).toBe("UpgradeFailed");
    expect(rolledBack.conditions?.find((c) => c.type === "Degraded")).toMatchObject({
      status: "True",
      reason: "UpgradeFailed",
    });
    // Events are recorded just after the status write.
    await waitFor(async () => ((await eventReasons(w, "StreamJob", RB)).includes("RolledBack") ? true : undefined), {
      what: "a RolledBack Event",
      timeoutMs: 10_000,
    });
    expect(await eventReasons(w, "StreamJob", RB)).toEqual(
      expect.arrayContaining(["UpgradeFailed", "RollingBack", "RolledBack"]),
    );
    // A worker the rolling update never reached keeps the old revision; with SABOT_LINGER it stays
    // up and joins the new coordinator. Should its process have exited, a kubelet would restart
    // the container; the pod runner does not, so such a pod is deleted.
    const { items } = await w.core.listNamespacedPod({ namespace: w.ns, labelSelector: `sabot.dev/job=${RB}` });
    const live = new Set(w.runner.processes({ job: RB }).map((p) => p.uid));
    for (const pod of items)
      if (!live.has(pod.metadata?.uid ?? "") && w.runner.exits.some((p) => p.uid === pod.metadata?.uid))
        await w.core.deleteNamespacedPod({ namespace: w.ns, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
    const c = await jobControlClient(w.core, w.ns, RB, await w.runner.coordinatorAddress(RB));
    try {
      await waitFor(async () => ((await c.getJobStatus()).state === "RUNNING" ? true : undefined), {
        what: "the rolled-back job to run",
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    } finally {
      c.close();
    }
  });
});
