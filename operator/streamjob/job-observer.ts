import { ApiException, type CustomObjectsApi, type V1ObjectMeta } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP, API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { CheckpointPhase } from "../../runtime/contract/status/checkpoint.js";
import type { EventRecorder } from "../kube/events.js";
import { sabotObject } from "../kube/object-ref.js";
import { StatusWriter } from "../kube/status-writer.js";
import { COORDINATOR_NONSENSE, coordinatorAnswerProblem } from "./coordinator-answer.js";
import {
  type CoordinatorClients,
  coordinatorStatusPatch,
  type MetricsSample,
  rates,
  sampleOf,
} from "./coordinator-client.js";
import { coordinatorConditions } from "./coordinator-condition.js";
import { JOB_LABEL, ownerReference, type StreamJob } from "./job.js";
import { OperatorViewFeed } from "./operator-view.js";
import { PERIODIC_LABEL, type PeriodicCheckpoint, periodicName, planPeriodic } from "./periodic-savepoints.js";

/** What the schedule reads of a Checkpoint (the informer's objects). */
export interface ScheduledCheckpoint {
  metadata: V1ObjectMeta & { name: string; namespace: string };
  status?: { phase?: CheckpointPhase };
}

/**
 * Per StreamJob, on a timer: copies what the running coordinator knows into the job's status
 * (`metrics`: records/s from GetMetricsSummary deltas; `lastCheckpoint` from GetJobStatus) with a
 * merge patch of those fields only, so it never overwrites what the StreamJob reconciler writes
 * (which carries these fields over); and runs the periodic-savepoint schedule.
 */
export class JobObserver {
  private readonly samples = new Map<string, MetricsSample>();
  private readonly observedAt = new Map<string, number>();
  /** Periodic Checkpoints created but maybe not yet in the informer's cache, so none is created twice. */
  private readonly created = new Map<string, { name: string; createdMs: number }>();
  private readonly status: StatusWriter;
  /** Autoscaler decisions and Events for the coordinator's web UI. */
  private readonly operatorView = new OperatorViewFeed();

  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly caches: { job(namespace: string, name: string): StreamJob | undefined },
    private readonly checkpoints: () => readonly ScheduledCheckpoint[],
    private readonly clients: CoordinatorClients,
    private readonly log: Logger,
    private readonly o: {
      intervalMs: number;
      /** Where a coordinator's nonsense is reported on its StreamJob (kubectl describe); unset in some tests. */
      events?: Pick<EventRecorder, "record">;
    },
  ) {
    this.status = new StatusWriter(custom);
  }

  async observe(key: string): Promise<number | undefined> {
    const [namespace, name] = key.split("/") as [string, string];
    const job = this.caches.job(namespace, name);
    if (!job || job.metadata.deletionTimestamp) {
      this.samples.delete(key);
      this.observedAt.delete(key);
      this.created.delete(key);
      this.operatorView.forget(key);
      this.clients.forget(key);
      return undefined;
    }
    const now = Date.now();
    let next: number | undefined;
    if (job.status?.phase === "Running") {
      const since = now - (this.observedAt.get(key) ?? 0);
      if (since >= this.o.intervalMs) {
        this.observedAt.set(key, now);
        await this.copyStatus(key, job, now);
        next = this.o.intervalMs;
      } else next = this.o.intervalMs - since;
    } else this.samples.delete(key);
    const periodicIn = await this.schedule(job, now);
    return next === undefined ? periodicIn : periodicIn === undefined ? next : Math.min(next, periodicIn);
  }

  private async copyStatus(key: string, job: StreamJob, now: number): Promise<void> {
    let patch: ReturnType<typeof coordinatorStatusPatch>;
    try {
      const client = this.clients.for(job);
      const [status, metrics] = await Promise.all([client.getJobStatus(), client.getMetricsSummary()]);
      const problem = coordinatorAnswerProblem(status, metrics);
      await this.reportAnswer(key, job, problem, now);
      // Nothing of a nonsense answer reaches the status; the next round asks again.
      if (problem) return;
      const sample = sampleOf(metrics, now);
      patch = coordinatorStatusPatch(
        job.status,
        status,
        rates(this.samples.get(key), sample),
        new Date(now),
        metrics.total.consumerLag,
      );
      this.samples.set(key, sample);
      // Best effort, and never in the way of the status patch (a coordinator older than the RPC refuses it).
      await this.operatorView
        .send(job, client, status.operatorViewDigest)
        .catch((err: unknown) => this.log.debug({ job: key, err: (err as Error).message }, "operator view not sent"));
    } catch (err) {
      // A coordinator that is starting or moving: the next round tries again.
      this.clients.unavailable(job, err);
      this.log.debug({ job: key, err: (err as Error).message }, "coordinator not reachable for status");
      return;
    }
    if (Object.keys(patch).length === 0) return;
    await this.status.merge(sabotObject("streamjobs", job.metadata.namespace, job.metadata.name), patch);
  }

  /**
   * The Degraded condition CoordinatorNonsense while the answers make no sense, cleared by a sane
   * one; a Warning Event per nonsense answer (a repeat raises its count). The conditions are
   * written from the cached status: should that be stale, the reconciler's next write restores its
   * own conditions and keeps this one (job-status.ts), and this round repeats until it sticks.
   */
  private async reportAnswer(key: string, job: StreamJob, problem: string | null, now: number): Promise<void> {
    const conditions = coordinatorConditions(
      job.status?.conditions,
      problem,
      job.metadata.generation ?? 0,
      new Date(now),
    );
    if (conditions)
      await this.status.merge(sabotObject("streamjobs", job.metadata.namespace, job.metadata.name), { conditions });
    if (!problem) return;
    this.log.warn({ job: key, problem }, "the coordinator answered nonsense; its answers are not copied");
    await this.o.events?.record(
      job,
      "Warning",
      COORDINATOR_NONSENSE,
      `the coordinator answered ${problem}; nothing of its answer was copied into the status`,
    );
  }

  private async schedule(job: StreamJob, now: number): Promise<number | undefined> {
    const { namespace, name } = job.metadata;
    const mine = this.checkpoints().filter(
      (c) =>
        c.metadata.namespace === namespace &&
        c.metadata.labels?.[JOB_LABEL] === name &&
        c.metadata.labels?.[PERIODIC_LABEL] === "true",
    );
    const known: PeriodicCheckpoint[] = mine.map((c) => ({
      name: c.metadata.name,
      createdMs: Date.parse(c.metadata.creationTimestamp?.toString() ?? "") || now,
      phase: c.status?.phase,
    }));
    const key = `${namespace}/${name}`;
    const recent = this.created.get(key);
    if (recent && !known.some((c) => c.name === recent.name)) known.push(recent);
    const plan = planPeriodic(job, known, now);
    const ref = { group: API_GROUP, version: "v1alpha1", namespace, plural: "checkpoints" };
    for (const victim of plan.delete) {
      try {
        await this.custom.deleteNamespacedCustomObject({ ...ref, name: victim });
        this.log.info(
          { job: `${namespace}/${name}`, checkpoint: victim },
          "pruned a periodic savepoint beyond savepointRetain",
        );
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404)) throw err;
      }
    }
    if (plan.create) {
      const cpName = periodicName(name, now);
      try {
        await this.custom.createNamespacedCustomObject({
          ...ref,
          body: {
            apiVersion: API_VERSION,
            kind: "Checkpoint",
            metadata: {
              name: cpName,
              namespace,
              labels: { [JOB_LABEL]: name, [PERIODIC_LABEL]: "true" },
              ownerReferences: [{ ...ownerReference(job), controller: false }],
            },
            spec: { jobRef: { name }, type: "savepoint", disposeOnDelete: true },
          },
        });
        this.created.set(key, { name: cpName, createdMs: now });
        this.log.info({ job: key, checkpoint: cpName }, "periodic savepoint requested");
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) throw err;
      }
    }
    return plan.nextInMs;
  }
}
