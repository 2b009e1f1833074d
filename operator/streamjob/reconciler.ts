import {
  ApiException,
  type CustomObjectsApi,
  type KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import { checkSpecShape } from "../../runtime/contract/spec/validate-shape.js";
import { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import type { EventRecorder } from "../kube/events.js";
import { sabotObject } from "../kube/object-ref.js";
import { StatusWriter } from "../kube/status-writer.js";
import type { Workload } from "./cached.js";
import { CoordinatorClients } from "./coordinator-client.js";
import { DesiredChildrenMemo } from "./desired-children.js";
import { asStreamJob, childNames, MANAGED_BY, type StreamJob } from "./job.js";
import { clusterView, composeStatus, type Observed } from "./job-status.js";
import { JobTlsError, JobTlsSecrets } from "./job-tls.js";
import { CHILDREN_HASH } from "./resources/children.js";
import type { OperatorSettings } from "./resources/settings.js";
import { invalidSpec } from "./states/failed.js";
import { nextStep } from "./states/machine.js";
import { hasStorage, timingFor } from "./states/spec.js";
import type { LifecycleCoordinator, LifecycleTiming, Step } from "./states/types.js";
import { INVALID_STATUS, invalidStatus, statusProblem } from "./status-check.js";

export const FIELD_MANAGER = MANAGED_BY;
/** Children are applied again after this long even when unchanged (see apply). */
const REAPPLY_MS = 5 * 60_000;
/** Holds a deleted job until its final savepoint is taken or skipped (states/deleting.ts). */
export const FINALIZER = "sabot.dev/final-savepoint";

/** Where the reconciler reads the job and its children: the informers' caches. */
export interface Caches {
  job(namespace: string, name: string): StreamJob | undefined;
  workers(namespace: string, name: string): Workload | undefined;
  coordinator(namespace: string, name: string): Workload | undefined;
}

export type ReconcileResult = "success" | "deleted";

/** How the lifecycle reaches coordinators and asks to be woken up again. */
export interface LifecycleDeps {
  coordinators: { for(job: StreamJob): LifecycleCoordinator; forget?(key: string): void };
  /** Reconcile `key` again after `ms` (polling a savepoint, a timeout, the stability period). */
  requeue(key: string, ms: number): void;
  /** Told whether a reconcile applied the children or skipped them as unchanged (a metric). */
  applied?(applied: boolean): void;
  /** Told whether a reconcile wrote the status or found it unchanged (a metric). */
  statusWritten?(written: boolean): void;
  /** The jobs' TLS Secrets, shared with `coordinators` (default: its own, on `objects`). */
  tls: Pick<JobTlsSecrets, "ensure" | "forget" | "client">;
}

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * One StreamJob, from spec to children to status; idempotent, so any event may trigger it. The
 * lifecycle (operator/streamjob/states) decides the next step from the status it wrote before;
 * the children are then built from the status (the deployed spec, not necessarily the desired one).
 */
export class StreamJobReconciler {
  private readonly deps: LifecycleDeps;
  private readonly status: StatusWriter;
  /** What this operator last applied to each job's children, and when. */
  private readonly appliedAt = new Map<string, { hash: string; time: number }>();
  private readonly desired: DesiredChildrenMemo;

  constructor(
    private readonly objects: KubernetesObjectApi,
    private readonly custom: CustomObjectsApi,
    private readonly caches: Caches,
    private readonly events: EventRecorder,
    private readonly settings: OperatorSettings,
    private readonly log: Logger,
    deps: Partial<LifecycleDeps> = {},
  ) {
    this.status = new StatusWriter(custom);
    this.desired = new DesiredChildrenMemo(settings);
    const tls = deps.tls ?? new JobTlsSecrets(objects);
    this.deps = {
      ...deps,
      tls,
      coordinators: deps.coordinators ?? new CoordinatorClients(tls),
      requeue: deps.requeue ?? (() => undefined),
    };
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const cached = this.caches.job(namespace, name);
    if (!cached) {
      this.deps.coordinators.forget?.(key);
      this.deps.tls.forget(key);
      this.appliedAt.delete(key);
      this.desired.forget(key);
      return "deleted";
    }
    const job = asStreamJob(cached);
    const deleting = Boolean(job.metadata.deletionTimestamp);
    // Children go with the job (owner references); only a final savepoint can hold it.
    if (deleting && !job.metadata.finalizers?.includes(FINALIZER)) return "deleted";

    const now = new Date();
    const corrupt = deleting ? null : statusProblem(job);
    if (corrupt) return this.holdInvalidStatus(job, corrupt, now);
    const issues = deleting ? [] : checkSpecShape(job.spec);
    const observed = this.observe(job);
    const timing: LifecycleTiming =
      issues.length > 0 ? this.settings.lifecycle : timingFor(job.spec, this.settings.lifecycle);
    const ctx = { job, now, cluster: clusterView(observed), coordinator: this.lazyCoordinator(job), timing };
    const step = issues.length > 0 ? invalidSpec(ctx, issues) : await nextStep(ctx, { deleting });
    const status = composeStatus(job, step, observed, now);

    // Written only when it differs from the status read; guarded by that read's resourceVersion: a
    // concurrent change answers 409 and the queue retries from the newer object; nothing below
    // happens on the older one.
    const write = await this.status.replaceIfChanged(
      sabotObject("streamjobs", namespace, name),
      job,
      StreamJobStatus,
      status,
    );
    if (write === "gone") return "deleted";
    this.deps.statusWritten?.(write === "written");
    // Independent requests, sent together: a transition costs one round trip less.
    await Promise.all([
      this.recordEvents(job, step, key),
      this.converge(job, status, step, !deleting && issues.length === 0),
    ]);
    if (step.requeueAfterMs !== undefined) this.deps.requeue(key, Math.max(step.requeueAfterMs, 0));
    return deleting && step.releaseFinalizer ? "deleted" : "success";
  }

  /** A status edited into nonsense: Degraded with the reason and the repair, nothing applied (status-check.ts). */
  private async holdInvalidStatus(job: StreamJob, problem: string, now: Date): Promise<ReconcileResult> {
    const { namespace, name } = job.metadata;
    const before = job.status?.conditions?.find((c) => c.type === "Degraded");
    const write = await this.status.replaceIfChanged(
      sabotObject("streamjobs", namespace, name),
      job,
      StreamJobStatus,
      invalidStatus(job, problem, now),
    );
    if (write === "gone") return "deleted";
    if (before?.reason !== INVALID_STATUS) {
      this.log.warn({ job: `${namespace}/${name}` }, problem);
      await this.events.record(job, "Warning", INVALID_STATUS, problem);
    }
    return "success";
  }

  /**
   * After the status: the finalizer released, or the children applied and the finalizer added
   * (independent objects, so together: a new job's deploy costs one round trip less).
   */
  private async converge(job: StreamJob, status: StreamJobStatus, step: Step, deploy: boolean): Promise<void> {
    if (step.releaseFinalizer) return this.setFinalizer(job, false);
    if (!deploy) return;
    const addFinalizer = hasStorage(job.spec) && !job.metadata.finalizers?.includes(FINALIZER);
    await Promise.all([
      this.apply({ ...job, status }, job.status?.phase === undefined),
      addFinalizer ? this.setFinalizer(job, true) : undefined,
    ]);
  }

  /** The children as the status says they should be, and as the informers see them. */
  private observe(job: StreamJob): Observed {
    const names = childNames(job);
    const { namespace } = job.metadata;
    const workers = this.caches.workers(namespace, names.workers);
    const coordinator = this.caches.coordinator(namespace, names.coordinator);
    const desired = this.desired.of(job);
    return desired ? { workers, coordinator, desired } : { workers, coordinator };
  }

  /**
   * The job's coordinator, dialled on the first call: most reconciles never call it (only
   * savepoints and upgrades do), and a gRPC channel per job would otherwise be opened and kept
   * for every job the operator has seen.
   */
  private lazyCoordinator(job: StreamJob): LifecycleCoordinator {
    const c = () => this.deps.coordinators.for(job);
    return {
      triggerSavepoint: (req) => c().triggerSavepoint(req),
      getCheckpoint: (id) => c().getCheckpoint(id),
      getJobStatus: () => c().getJobStatus(),
    };
  }

  /** The informers saw one of the job's workloads deleted: the next reconcile applies them again. */
  childDeleted(key: string): void {
    this.appliedAt.delete(key);
  }

  /**
   * Server-side applies the children, unless this operator applied this build (CHILDREN_HASH)
   * less than REAPPLY_MS ago and the informers show the Deployment and StatefulSet carrying it or
   * not yet at all: most reconciles are for status changes and would send five no-op requests.
   * A workload the informers have not seen yet is on its way (the status write's own watch event
   * often wakes the job first); one deleted since clears appliedAt (childDeleted). The re-apply
   * after REAPPLY_MS repairs what the operator does not watch (the ConfigMap, the Services and the
   * NetworkPolicy, deleted or edited by hand). `fresh`: the job had no status before this
   * reconcile, so it was never deployed.
   */
  private async apply(job: StreamJob, fresh: boolean): Promise<void> {
    const hash = this.desired.of(job)?.hash;
    if (hash === undefined) return;
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const names = childNames(job);
    const current = [
      this.caches.workers(job.metadata.namespace, names.workers),
      this.caches.coordinator(job.metadata.namespace, names.coordinator),
    ];
    const appliedAt = this.appliedAt.get(key);
    if (
      appliedAt?.hash === hash &&
      Date.now() - appliedAt.time < REAPPLY_MS &&
      current.every((c) => c === undefined || c.metadata?.annotations?.[CHILDREN_HASH] === hash)
    ) {
      this.deps.applied?.(false);
      return;
    }
    // The certificates before the pods that mount them.
    try {
      await this.deps.tls.ensure(job, { fresh });
    } catch (err) {
      // cert-manager has not written the Secrets yet: say so where users look (the queue retries).
      if (err instanceof JobTlsError) await this.events.record(job, "Warning", "CertificatesPending", err.message);
      throw err;
    }
    const children = this.desired.build(job);
    // Independent objects: applied at once (the scale benchmark measured reconcile latency
    // dominated by these round trips when sent one after another).
    try {
      await Promise.all(
        children.map((child) =>
          this.objects.patch(child, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
        ),
      );
    } catch (err) {
      // The spec check passed, so what the API server refuses came from the parts of a pod template
      // it alone validates; the user sees why in `kubectl describe` (the queue retries with backoff).
      if (err instanceof ApiException && (err.code === 400 || err.code === 422))
        await this.events.record(
          job,
          "Warning",
          "ApplyFailed",
          `the API server refused the job's pods: ${refusal(err)}; check spec.podTemplate`,
        );
      throw err;
    }
    this.appliedAt.set(key, { hash, time: Date.now() });
    this.deps.applied?.(true);
  }

  private async recordEvents(job: StreamJob, step: Step, key: string): Promise<void> {
    const from = job.status?.phase;
    if (from !== step.phase) {
      const message = step.error ?? step.progressing.message ?? step.ready.message;
      this.log.info({ job: key, from, to: step.phase }, message);
      await this.events.record(
        job,
        step.phase === "Failed" ? "Warning" : "Normal",
        step.phase,
        `${from ?? "new"} → ${step.phase}: ${message}`,
      );
    }
    for (const e of step.events) {
      this.log.info({ job: key, reason: e.reason }, e.message);
      await this.events.record(job, e.type, e.reason, e.message);
    }
  }

  private async setFinalizer(job: StreamJob, present: boolean): Promise<void> {
    const others = (job.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    const finalizers = present ? [...others, FINALIZER] : others;
    try {
      await this.custom.patchNamespacedCustomObject(
        { ...this.ref(job.metadata.namespace), name: job.metadata.name, body: { metadata: { finalizers } } },
        MERGE,
      );
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }

  private ref(namespace: string) {
    return { group: API_GROUP, version: "v1alpha1", namespace, plural: "streamjobs" };
  }
}

/** The Status message of an API error, what kubectl would print. */
function refusal(err: ApiException<unknown>): string {
  const body: unknown = typeof err.body === "string" ? safeJson(err.body) : err.body;
  const message = typeof body === "object" && body !== null && "message" in body ? body.message : undefined;
  return typeof message === "string" ? message : String(err.body);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiException && err.code === 409;
}
