import {
  ApiException,
  type CoreV1Api,
  type CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { NO_CHECKPOINT } from "../../runtime/contract/rpc/messages.js";
import { parseDuration } from "../../runtime/contract/spec/duration.js";
import { type CheckpointSpec, CheckpointStatus } from "../../runtime/contract/status/checkpoint.js";
import { EventRecorder } from "../kube/events.js";
import { sabotObject } from "../kube/object-ref.js";
import { StatusWriter } from "../kube/status-writer.js";
import {
  type CoordinatorApi,
  type CoordinatorClients,
  coordinatorStarting,
  GRPC_FAILED_PRECONDITION,
  GRPC_NOT_FOUND,
  grpcCode,
  grpcMessage,
} from "../streamjob/coordinator-client.js";
import { ownerReference, type StreamJob } from "../streamjob/job.js";
import { disposeCheckpointFiles, readSecretEnv } from "./checkpoint-dispose.js";
import {
  abandoned,
  type BackoffPolicy,
  completed,
  DEFAULT_BACKOFF,
  failAttempt,
  isTerminal,
  progressed,
  started,
  type Transition,
  waitingForRetry,
} from "./checkpoint-status.js";

/** A Checkpoint as read from the API server. */
export interface CheckpointObject {
  apiVersion: string;
  kind: "Checkpoint";
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: CheckpointSpec;
  status?: CheckpointStatus;
}

/** Holds a disposeOnDelete Checkpoint until its files are deleted. */
export const DISPOSE_FINALIZER = "sabot.dev/dispose-files";

export interface CheckpointReconcilerOptions {
  backoff?: BackoffPolicy;
  /** How often an InProgress savepoint is polled. */
  pollMs?: number;
  /** Longest savepoint when the job's spec.savepointTimeout is unset (default 5 min). */
  savepointTimeoutMs?: number;
  /** Longest wait for the job to exist and run before the Checkpoint is Abandoned (default 5 min). */
  pendingTimeoutMs?: number;
}

export interface CheckpointCaches {
  checkpoint(namespace: string, name: string): CheckpointObject | undefined;
  job(namespace: string, name: string): StreamJob | undefined;
}

const PLURAL = "checkpoints";

/** One attempt on a Checkpoint whose job exists: what each step of it reads. */
interface Attempt {
  cp: CheckpointObject;
  job: StreamJob;
  /** The status so far (phase Pending when new). */
  s: CheckpointStatus;
  now: number;
  /** No status yet: the first Pending is announced with an Event. */
  fresh: boolean;
  created: number;
  client: CoordinatorApi;
  common: { backoff: BackoffPolicy; pollMs: number; timeoutMs: number };
}

/**
 * One Checkpoint: trigger a savepoint on the job's coordinator (or record its latest checkpoint),
 * follow it to completion, retry failed attempts with backoff, and on deletion dispose the files.
 * Returns when to look again (ms), if ever.
 */
export class CheckpointReconciler {
  private readonly o: Required<CheckpointReconcilerOptions>;
  private readonly status: StatusWriter;
  private readonly events: EventRecorder;

  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly core: CoreV1Api,
    private readonly caches: CheckpointCaches,
    private readonly clients: CoordinatorClients,
    private readonly log: Logger,
    opts: CheckpointReconcilerOptions = {},
  ) {
    this.status = new StatusWriter(custom);
    this.events = new EventRecorder(core, "sabot-operator", log);
    this.o = {
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      pollMs: opts.pollMs ?? 1_000,
      savepointTimeoutMs: opts.savepointTimeoutMs ?? 5 * 60_000,
      pendingTimeoutMs: opts.pendingTimeoutMs ?? 5 * 60_000,
    };
  }

  async reconcile(key: string): Promise<number | undefined> {
    const [namespace, name] = key.split("/") as [string, string];
    const cp = this.caches.checkpoint(namespace, name);
    if (!cp) return undefined;
    const job = this.caches.job(namespace, cp.spec.jobRef.name);
    if (cp.metadata.deletionTimestamp) return this.finalize(cp, job);
    if (await this.ensureMetadata(cp, job)) return undefined; // the update event brings it back
    const s = cp.status ?? {};
    if (isTerminal(s.phase)) return undefined;
    const t = await this.step(cp, job, Date.now());
    await this.write(cp, t);
    return t.requeueMs;
  }

  /** The finalizer (disposeOnDelete) and the owner reference to the job; true when it patched. */
  private async ensureMetadata(cp: CheckpointObject, job: StreamJob | undefined): Promise<boolean> {
    const m = cp.metadata;
    const wantFinalizer = cp.spec.disposeOnDelete === true && !(m.finalizers ?? []).includes(DISPOSE_FINALIZER);
    const wantOwner = job !== undefined && !(m.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid);
    if (!wantFinalizer && !wantOwner) return false;
    // Not the controller: the Checkpoint belongs to the user (or the schedule), the job only bounds its life.
    const owner = job ? { ...ownerReference(job), controller: false } : undefined;
    await this.patchMeta(cp, {
      ...(wantFinalizer ? { finalizers: [...(m.finalizers ?? []), DISPOSE_FINALIZER] } : {}),
      ...(wantOwner && owner ? { ownerReferences: [...(m.ownerReferences ?? []), owner] } : {}),
    });
    return true;
  }

  private async finalize(cp: CheckpointObject, job: StreamJob | undefined): Promise<number | undefined> {
    const finalizers = cp.metadata.finalizers ?? [];
    if (!finalizers.includes(DISPOSE_FINALIZER)) return undefined;
    const path = cp.status?.path;
    const secret = job?.spec.storageSecret ?? cp.status?.storageSecret;
    if (path && cp.status?.phase === "Completed") {
      try {
        const n = await disposeCheckpointFiles(path, () =>
          secret ? readSecretEnv(this.core, cp.metadata.namespace, secret) : Promise.resolve({}),
        );
        await this.events.record(cp, "Normal", "Disposed", `deleted ${path}${n >= 0 ? ` (${n} objects)` : ""}`);
      } catch (err) {
        const msg = `could not delete ${path}: ${(err as Error).message}; retrying (remove the finalizer ${DISPOSE_FINALIZER} to give up)`;
        this.log.warn(
          { checkpoint: `${cp.metadata.namespace}/${cp.metadata.name}`, err: (err as Error).message },
          "dispose failed",
        );
        await this.events.record(cp, "Warning", "DisposeFailed", msg);
        throw err; // the queue retries with backoff
      }
    }
    await this.patchMeta(cp, { finalizers: finalizers.filter((f) => f !== DISPOSE_FINALIZER) });
    return undefined;
  }

  private timeoutMs(job: StreamJob): number {
    return job.spec.savepointTimeout ? parseDuration(job.spec.savepointTimeout) : this.o.savepointTimeoutMs;
  }

  /** The next status, from what the job and its coordinator say now. */
  private async step(cp: CheckpointObject, job: StreamJob | undefined, now: number): Promise<Transition> {
    const s: CheckpointStatus = { failedAttempts: 0, ...cp.status, phase: cp.status?.phase ?? "Pending" };
    const fresh = cp.status?.phase === undefined;
    const created = Date.parse(cp.metadata.creationTimestamp?.toString() ?? "") || now;
    if (!job || job.metadata.deletionTimestamp) return this.withoutJob(cp, s, fresh, created, now);
    const retryIn = waitingForRetry(s, now);
    if (retryIn !== undefined) return { status: s, requeueMs: retryIn };

    const client = this.clients.for(job);
    const common = { backoff: this.o.backoff, pollMs: this.o.pollMs, timeoutMs: this.timeoutMs(job) };
    const a: Attempt = { cp, job, s, now, fresh, created, client, common };
    if (s.phase === "InProgress") return this.pollSavepoint(a);
    const notNow = this.refuseForJobState(a);
    if (notNow) return notNow;
    if (cp.spec.type === "checkpoint") return this.recordLatestCheckpoint(a);
    return this.triggerSavepoint(a);
  }

  /** The job is missing or being deleted: wait for it a while, then give up. */
  private withoutJob(
    cp: CheckpointObject,
    s: CheckpointStatus,
    fresh: boolean,
    created: number,
    now: number,
  ): Transition {
    const jobName = cp.spec.jobRef.name;
    if (s.phase === "InProgress")
      return abandoned(s, `StreamJob ${jobName} was deleted while the savepoint was in progress`, now);
    if (now - created > this.o.pendingTimeoutMs)
      return abandoned(s, `StreamJob ${jobName} does not exist in this namespace`, now);
    return this.pending(s, fresh, `waiting for StreamJob ${jobName} to exist`);
  }

  /** Follows the savepoint in progress on the coordinator. */
  private async pollSavepoint({ cp, job, s, now, client, common }: Attempt): Promise<Transition> {
    try {
      const info = await client.getCheckpoint(s.checkpointId ?? 0);
      return progressed(cp.spec, s, info, now, { ...common, storageSecret: job.spec.storageSecret });
    } catch (err) {
      this.clients.unavailable(job, err);
      // NOT_FOUND: a coordinator that restarted has forgotten the savepoint it was taking.
      if (grpcCode(err) === GRPC_NOT_FOUND)
        return progressed(cp.spec, s, { ...NO_CHECKPOINT, id: s.checkpointId ?? 0 }, now, common);
      return progressed(cp.spec, s, undefined, now, { ...common, pollError: grpcMessage(err) });
    }
  }

  /** A job without storage, a job that is not running (yet): fail, wait or give up; null when the job can take a savepoint now. */
  private refuseForJobState({ cp, job, s, now, fresh, created, common }: Attempt): Transition | null {
    const jobName = cp.spec.jobRef.name;
    if (cp.spec.type !== "checkpoint" && !job.spec.checkpointing?.storage)
      return failAttempt(
        cp.spec,
        s,
        `StreamJob ${jobName} has no spec.checkpointing.storage: a savepoint needs storage (s3://bucket/prefix or file:///path)`,
        now,
        { permanent: true },
      );
    const phase = job.status?.phase;
    if (phase === "Suspended" || phase === "Suspending" || phase === "Failed" || phase === "Completed")
      return failAttempt(cp.spec, s, `StreamJob ${jobName} is ${phase}: nothing to take a savepoint of`, now, common);
    if (phase !== "Running") {
      if (now - created > this.o.pendingTimeoutMs)
        return abandoned(
          s,
          `StreamJob ${jobName} was not Running within ${Math.round(this.o.pendingTimeoutMs / 1000)}s (it is ${phase ?? "new"})`,
          now,
        );
      return this.pending(s, fresh, `waiting for StreamJob ${jobName} to be Running (it is ${phase ?? "new"})`);
    }
    return null;
  }

  /** type: checkpoint records the newest completed checkpoint; triggers nothing. */
  private async recordLatestCheckpoint({ cp, job, s, now, client, common }: Attempt): Promise<Transition> {
    const jobName = cp.spec.jobRef.name;
    try {
      const info = (await client.getJobStatus()).lastCheckpoint;
      if (info?.state !== "COMPLETED" || info.id === 0)
        return failAttempt(cp.spec, s, `StreamJob ${jobName} has no completed checkpoint yet`, now, common);
      const sec = job.spec.storageSecret;
      return completed(
        { ...s, jobGeneration: job.metadata.generation ?? 0 },
        info,
        now,
        sec ? { storageSecret: sec } : {},
      );
    } catch (err) {
      this.clients.unavailable(job, err);
      return failAttempt(cp.spec, s, `cannot reach the coordinator: ${grpcMessage(err)}`, now, common);
    }
  }

  private async triggerSavepoint({ cp, job, s, now, fresh, created, client, common }: Attempt): Promise<Transition> {
    try {
      const info = await client.triggerSavepoint({
        stop: false,
        reason: `Checkpoint ${cp.metadata.namespace}/${cp.metadata.name}`,
      });
      return started(s, info, job.metadata.generation ?? 0, now, this.o.pollMs);
    } catch (err) {
      this.clients.unavailable(job, err);
      const starting = grpcCode(err) === GRPC_FAILED_PRECONDITION ? await coordinatorStarting(client) : undefined;
      if (starting && now - created <= this.o.pendingTimeoutMs)
        return this.pending(
          s,
          fresh,
          `waiting for StreamJob ${cp.spec.jobRef.name} to run (its coordinator is ${starting})`,
        );
      // Storage was checked above; what the coordinator refuses now (not all subtasks running, a
      // stop-with-savepoint in flight) may pass on a later attempt.
      const why =
        grpcCode(err) === GRPC_FAILED_PRECONDITION
          ? "the coordinator refused the savepoint"
          : "cannot reach the coordinator";
      return failAttempt(cp.spec, s, `${why}: ${grpcMessage(err)}`, now, common);
    }
  }

  private pending(s: CheckpointStatus, fresh: boolean, message: string): Transition {
    return {
      status: { ...s, phase: "Pending" },
      requeueMs: 2_000,
      ...(fresh ? { event: { type: "Normal" as const, reason: "Pending", message } } : {}),
    };
  }

  private async write(cp: CheckpointObject, t: Transition): Promise<void> {
    if (JSON.stringify(cp.status ?? {}) !== JSON.stringify(t.status)) {
      const target = sabotObject(PLURAL, cp.metadata.namespace, cp.metadata.name);
      try {
        if (!(await this.status.replace(target, cp.metadata.resourceVersion, CheckpointStatus, t.status))) return;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) throw err;
        // Only metadata moved (a label, the finalizer): write again on the fresh object rather
        // than retry the step, which would trigger a second savepoint. Another status wins.
        const fresh = (await this.custom.getNamespacedCustomObject(target)) as CheckpointObject;
        if (JSON.stringify(fresh.status ?? {}) !== JSON.stringify(cp.status ?? {})) throw err;
        await this.status.replace(target, fresh.metadata.resourceVersion, CheckpointStatus, t.status);
      }
    }
    if (t.event) {
      this.log.info(
        { checkpoint: `${cp.metadata.namespace}/${cp.metadata.name}`, phase: t.status.phase },
        t.event.message,
      );
      await this.events.record(cp, t.event.type, t.event.reason, t.event.message);
    }
  }

  /** A merge patch of metadata, guarded by resourceVersion (a conflict is retried by the queue). */
  private async patchMeta(cp: CheckpointObject, meta: Partial<V1ObjectMeta>): Promise<void> {
    try {
      await this.custom.patchNamespacedCustomObject(
        {
          ...sabotObject(PLURAL, cp.metadata.namespace, cp.metadata.name),
          body: { metadata: { ...meta, resourceVersion: cp.metadata.resourceVersion } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw err;
    }
  }
}
