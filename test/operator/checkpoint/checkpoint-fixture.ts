import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterEach } from "vitest";
import { type ManagerOptions, OperatorManager } from "../../../operator/manager.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { CheckpointSpec, CheckpointStatus } from "../../../runtime/contract/status/checkpoint.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { testEnv } from "../../helpers/env.js";
import { jobControlClient } from "../../helpers/job-tls.js";
import { uniqueName } from "../../helpers/names.js";
import { PodRunner } from "../../helpers/pod-runner.js";
import { freshNamespace, installCrds, kubeConfig } from "../kube/kube.js";

/**
 * An operator in this process, a fresh namespace, a MinIO bucket with a storage Secret, and the
 * pod runner making the jobs' pods real processes: the setup of the Checkpoint tests.
 */
export interface CheckpointWorld {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  ns: string;
  bucket: string;
  s3: S3Client;
  runner: PodRunner;
  operator: OperatorManager;
  stop(): Promise<void>;
}

export const SECRET = "minio-creds";

export function s3Client(): S3Client {
  const { s3 } = testEnv();
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/** The Secret (SECRET) with MinIO's credentials and endpoint, as jobs' spec.storageSecret names it. */
export async function createStorageSecret(core: CoreV1Api, namespace: string): Promise<void> {
  const { s3 } = testEnv();
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: SECRET },
      stringData: {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_REGION: s3.region,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
      },
    },
  });
}

/** The CRDs, a fresh namespace, a MinIO bucket and the Secret with its credentials (SECRET). */
export async function storageNamespace(
  kc: KubeConfig,
  prefix: string,
): Promise<Pick<CheckpointWorld, "core" | "custom" | "ns" | "bucket" | "s3">> {
  const core = kc.makeApiClient(CoreV1Api);
  await installCrds(kc);
  const ns = await freshNamespace(kc, prefix);
  const bucket = uniqueName(prefix);
  const s3 = s3Client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createStorageSecret(core, ns);
  return { core, custom: kc.makeApiClient(CustomObjectsApi), ns, bucket, s3 };
}

/**
 * A fresh namespace with a MinIO bucket, the Secret the jobs' pods (and disposal) read its
 * credentials from, and the pod runner: what the operator tests that really run jobs share.
 */
export async function storageWorld(
  kc: KubeConfig,
  prefix: string,
): Promise<Omit<CheckpointWorld, "operator" | "stop">> {
  const { core, custom, ns, bucket, s3: client } = await storageNamespace(kc, prefix);
  const runner = await PodRunner.start({
    kc,
    namespace: ns,
    extraEnv: { SABOT_HEARTBEAT_INTERVAL: "500ms", SABOT_HEARTBEAT_TIMEOUT: "5s" },
  });
  return { kc, core, custom, ns, bucket, s3: client, runner };
}

export async function startWorld(checkpoints: ManagerOptions["checkpoints"] = {}): Promise<CheckpointWorld> {
  const world = await storageWorld(kubeConfig(), "checkpoints");
  const { kc, core, ns, runner, s3: client } = world;
  const log = pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" });
  const operator = new OperatorManager(
    kc,
    {
      settings: operatorSettings({
        image: "registry.k8s.io/pause:3.10",
        shutdownTimeoutSeconds: 5,
        preStopSleepSeconds: 1,
      }),
      namespace: ns,
      identity: "checkpoint-test-operator",
      lease: { namespace: ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
      resyncMs: 10_000,
      coordinatorResolver: (job) => runner.coordinatorAddressNow(job.metadata.name),
      checkpoints: {
        observeIntervalMs: 1_000,
        pollMs: 300,
        backoff: { baseMs: 300, maxMs: 2_000 },
        ...checkpoints,
      },
    },
    log,
  );
  operator.start();
  await waitFor(async () => operator.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });
  return {
    ...world,
    operator,
    async stop() {
      await operator.stop();
      await runner.stop();
      await core.deleteNamespace({ name: ns });
      client.destroy();
    },
  };
}

/** Prints the processes' output when the current test fails. */
export function logsOnFailure(w: () => CheckpointWorld | undefined): void {
  afterEach((ctx) => {
    const world = w();
    if (world && ctx.task.result?.state === "fail") console.error(world.runner.logs());
  });
}

const ref = (ns: string, plural: string) => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural });

/** A running job: generator (throttled, unbounded) → filter → console, state in S3 when `storage`. */
export function runningJobSpec(opts: { bucket?: string; extra?: Partial<StreamJobSpec> } = {}): StreamJobSpec {
  return {
    sources: {
      bids: {
        generator: { kind: "nexmark-bid", ratePerSecond: 2_000, batchSize: 500, partitions: 2 },
        eventTime: { field: "dateTime" },
      },
    },
    pipeline: [
      { from: "bids", keyBy: ["auction"] },
      { window: { type: "tumbling", size: "10s" }, aggregate: ["count(*) AS n"] },
      { to: "out" },
    ],
    sinks: { out: { console: { maxRows: 0 } } },
    parallelism: 2,
    ...(opts.bucket ? { checkpointing: { storage: `s3://${opts.bucket}/state` }, storageSecret: SECRET } : {}),
    ...opts.extra,
  };
}

export async function createJob(w: CheckpointWorld, name: string, spec: StreamJobSpec): Promise<void> {
  // Reserve the coordinator's local port before the operator first asks for the address.
  await w.runner.coordinatorAddress(name);
  await waitFor(
    () =>
      w.custom.createNamespacedCustomObject({
        ...ref(w.ns, "streamjobs"),
        body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec },
      }),
    { what: `StreamJob ${name} to be created`, timeoutMs: 30_000 },
  );
}

export async function jobStatus(w: CheckpointWorld, name: string): Promise<StreamJobStatus | undefined> {
  return (
    (await w.custom.getNamespacedCustomObject({ ...ref(w.ns, "streamjobs"), name })) as { status?: StreamJobStatus }
  ).status;
}

export async function createCheckpoint(w: CheckpointWorld, name: string, spec: CheckpointSpec): Promise<void> {
  await waitFor(
    () =>
      w.custom.createNamespacedCustomObject({
        ...ref(w.ns, "checkpoints"),
        body: { apiVersion: API_VERSION, kind: "Checkpoint", metadata: { name }, spec },
      }),
    { what: `Checkpoint ${name} to be created`, timeoutMs: 30_000 },
  );
}

export async function checkpointStatus(w: CheckpointWorld, name: string): Promise<CheckpointStatus | undefined> {
  return (
    (await w.custom.getNamespacedCustomObject({ ...ref(w.ns, "checkpoints"), name })) as { status?: CheckpointStatus }
  ).status;
}

export async function waitForCheckpointPhase(
  w: CheckpointWorld,
  name: string,
  phases: string[],
  timeoutMs = 60_000,
): Promise<CheckpointStatus> {
  return waitFor(
    async () => {
      const s = await checkpointStatus(w, name);
      return s?.phase && phases.includes(s.phase) ? s : undefined;
    },
    { what: `Checkpoint ${name} to be ${phases.join(" or ")}`, timeoutMs, intervalMs: 250 },
  );
}

export async function eventReasons(w: CheckpointWorld, kind: string, name: string): Promise<string[]> {
  const { items } = await w.core.listNamespacedEvent({
    namespace: w.ns,
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
  });
  return items
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
    .map((e) => e.reason ?? "");
}

/** Waits until the job's coordinator runs it, failing at once if one of its processes exited. */
export async function waitForCoordinatorRunning(w: CheckpointWorld, job: string, timeoutMs = 90_000): Promise<void> {
  const client = await jobControlClient(w.core, w.ns, job, await w.runner.coordinatorAddress(job));
  try {
    const outcome = await waitFor(
      async () => {
        const exited = w.runner.exits.filter((p) => p.job === job);
        if (exited.length > 0)
          return `${exited.map((p) => `${p.pod} exited ${p.exited?.code ?? p.exited?.signal}`).join(", ")}`;
        return (await client.getJobStatus()).state === "RUNNING" ? "running" : undefined;
      },
      { what: `the coordinator of ${job} to run it`, timeoutMs, intervalMs: 500 },
    );
    if (outcome !== "running") throw new Error(`job ${job} did not start: ${outcome}`);
  } finally {
    client.close();
  }
}

export { ref };
