import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import { EventRecorder } from "../kube/events.js";
import { ResilientInformer } from "../kube/informer.js";
import { workQueueLoop } from "../kube/queue-worker.js";
import { trimMetadata } from "../kube/trim.js";
import { WorkQueue } from "../kube/workqueue.js";
import { cachedStreamJob } from "../streamjob/cached.js";
import type { CoordinatorClients, JobCoordinators } from "../streamjob/coordinator-client.js";
import { asStreamJob, JOB_LABEL, type StreamJob } from "../streamjob/job.js";
import { JobObserver } from "../streamjob/job-observer.js";
import { PERIODIC_LABEL } from "../streamjob/periodic-savepoints.js";
import { withOperatorDefaults } from "../streamjob/resources/job-defaults.js";
import { DEFAULT_SETTINGS, type OperatorSettings } from "../streamjob/resources/settings.js";
import {
  type CheckpointObject,
  CheckpointReconciler,
  type CheckpointReconcilerOptions,
} from "./checkpoint-reconciler.js";

export interface CheckpointControllerOptions extends CheckpointReconcilerOptions {
  namespace?: string;
  resyncMs?: number;
  /** How each job's coordinator is reached, shared with the StreamJob controller. */
  coordinators: JobCoordinators;
  /** How often a Running job's coordinator is asked for metrics and its last checkpoint (default 10 s). */
  observeIntervalMs?: number;
  workers?: number;
  /** The cluster's default checkpoint storage (OperatorSettings.checkpointStorage). */
  checkpointStorage?: OperatorSettings["checkpointStorage"];
}

/**
 * Checkpoint objects and what the operator learns from running coordinators: one informer on
 * Checkpoints and one on StreamJobs, and two queues: Checkpoint keys (checkpoint-reconciler.ts)
 * and job keys (job-observer.ts: status metrics, last checkpoint, periodic savepoints). Runs
 * beside the StreamJob controller while this replica leads.
 */
export class CheckpointController {
  readonly checkpointQueue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 60_000 });
  readonly jobQueue = new WorkQueue({ baseDelayMs: 1_000, maxDelayMs: 60_000 });
  private readonly checkpoints: ResilientInformer<CheckpointObject>;
  private readonly jobs: ResilientInformer<StreamJob>;
  private readonly reconciler: CheckpointReconciler;
  private readonly observer: JobObserver;
  private readonly clients: CoordinatorClients;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    kc: KubeConfig,
    private readonly opts: CheckpointControllerOptions,
    private readonly log: Logger,
  ) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = opts.namespace;
    const resyncMs = opts.resyncMs ?? 5 * 60_000;
    const list = (plural: string) => async () =>
      (ns
        ? await custom.listNamespacedCustomObject({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural })
        : await custom.listClusterCustomObject({
            group: API_GROUP,
            version: "v1alpha1",
            plural,
          })) as KubernetesListObject<never>;
    const path = (plural: string) =>
      ns ? `/apis/${API_GROUP}/v1alpha1/namespaces/${ns}/${plural}` : `/apis/${API_GROUP}/v1alpha1/${plural}`;
    const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
      `${o.metadata?.namespace}/${o.metadata?.name}`;

    this.checkpoints = new ResilientInformer<CheckpointObject>(
      kc,
      {
        path: path("checkpoints"),
        list: list("checkpoints"),
        transform: cachedCheckpoint,
        onChange: (cp) => {
          this.checkpointQueue.add(key(cp));
          // A periodic one finishing may let the schedule prune or go on.
          const job = cp.metadata?.labels?.[JOB_LABEL];
          if (job) this.jobQueue.add(`${cp.metadata.namespace}/${job}`);
        },
        resyncMs,
      },
      log,
    );
    this.jobs = new ResilientInformer<StreamJob>(
      kc,
      {
        path: path("streamjobs"),
        list: list("streamjobs"),
        transform: cachedStreamJob,
        onChange: (j) => this.jobQueue.add(key(j)),
        resyncMs,
      },
      log,
    );
    this.clients = opts.coordinators.clients;
    const caches = {
      checkpoint: (n: string, name: string) => this.checkpoints.get(name, n),
      job: (n: string, name: string) => {
        const j = this.jobs.get(name, n);
        return j
          ? withOperatorDefaults(asStreamJob(j), opts.checkpointStorage ?? DEFAULT_SETTINGS.checkpointStorage)
          : undefined;
      },
    };
    this.reconciler = new CheckpointReconciler(custom, core, caches, this.clients, log, opts);
    this.observer = new JobObserver(custom, caches, () => this.checkpoints.list(), this.clients, log, {
      intervalMs: opts.observeIntervalMs ?? 10_000,
      events: new EventRecorder(core, "sabot-operator", log),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.jobs.start();
    await this.checkpoints.start();
    const n = this.opts.workers ?? 2;
    this.loops = [
      ...Array.from({ length: n }, () =>
        this.work(this.checkpointQueue, (k) => this.reconciler.reconcile(k), "checkpoint"),
      ),
      this.work(this.jobQueue, (k) => this.observer.observe(k), "job"),
    ];
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.checkpointQueue.shutdown();
    this.jobQueue.shutdown();
    await Promise.all([this.checkpoints.stop(), this.jobs.stop()]);
    await Promise.all(this.loops);
  }

  private work(queue: WorkQueue, handle: (key: string) => Promise<number | undefined>, what: string): Promise<void> {
    return workQueueLoop(queue, {
      handle,
      failed: (key, err, delay) =>
        this.log.warn(
          { err: (err as Error).message, [what]: key, retryInMs: delay },
          `${what} reconcile failed; retrying`,
        ),
    });
  }
}

/** What the Checkpoint reconciler and the periodic schedule read: no managedFields, no annotations. */
function cachedCheckpoint(cp: CheckpointObject): CheckpointObject {
  const metadata = trimMetadata(cp.metadata, { labels: [JOB_LABEL, PERIODIC_LABEL] }) as CheckpointObject["metadata"];
  return {
    apiVersion: cp.apiVersion,
    kind: cp.kind,
    metadata,
    spec: cp.spec,
    ...(cp.status ? { status: cp.status } : {}),
  };
}
