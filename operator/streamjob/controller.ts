import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  KubernetesObjectApi,
  type ListPromise,
  type V1Deployment,
  type V1StatefulSet,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import { EventRecorder } from "../kube/events.js";
import { ResilientInformer } from "../kube/informer.js";
import { OperatorMetrics } from "../kube/metrics.js";
import { workQueueLoop } from "../kube/queue-worker.js";
import { WorkQueue } from "../kube/workqueue.js";
import { cachedStreamJob, cachedWorkload, type Workload } from "./cached.js";
import type { CoordinatorClients, JobCoordinators } from "./coordinator-client.js";
import { JOB_LABEL, MANAGED_BY, type StreamJob } from "./job.js";
import type { JobTlsSecrets } from "./job-tls.js";
import { isConflict, StreamJobReconciler } from "./reconciler.js";
import { withOperatorDefaults } from "./resources/job-defaults.js";
import type { OperatorSettings } from "./resources/settings.js";

export interface ControllerOptions {
  settings: OperatorSettings;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  workers?: number;
  resyncMs?: number;
  backoff?: { baseDelayMs: number; maxDelayMs: number };
  /** Shared across leadership terms, so counters survive a controller restart. */
  metrics?: OperatorMetrics;
  /** How the lifecycle reaches each job's coordinator, shared with the Checkpoint controller. */
  coordinators: JobCoordinators<JobTlsSecrets>;
}

const OWNED = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/**
 * Informers on StreamJobs and the StatefulSets/Deployments they own, feeding one work queue whose
 * workers reconcile. Started only while this replica leads (see ../kube/leader.ts).
 */
export class StreamJobController {
  readonly queue: WorkQueue;
  readonly metrics: OperatorMetrics;
  private readonly jobs: ResilientInformer<StreamJob>;
  private readonly statefulSets: ResilientInformer<Workload, V1StatefulSet>;
  private readonly deployments: ResilientInformer<Workload, V1Deployment>;
  private readonly reconciler: StreamJobReconciler;
  private readonly coordinators: CoordinatorClients;
  private readonly tls: JobTlsSecrets;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    kc: KubeConfig,
    private readonly opts: ControllerOptions,
    private readonly log: Logger,
  ) {
    this.queue = new WorkQueue(opts.backoff ?? { baseDelayMs: 100, maxDelayMs: 60_000 });
    this.metrics = opts.metrics ?? new OperatorMetrics();
    this.metrics.queueDepth = () => this.queue.depth;
    this.tls = opts.coordinators.credentials;
    this.coordinators = opts.coordinators.clients;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const ns = opts.namespace;
    const scope: WatchScope = { kc, ns, resyncMs: opts.resyncMs ?? 5 * 60_000, log };
    const enqueueJob = (o: StreamJob) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    // A child's change wakes its job (by label: children are named after it and carry sabot.dev/job).
    const ownerOf = (o: Workload) => {
      const job = o.metadata?.labels?.[JOB_LABEL];
      return job && o.metadata?.namespace ? `${o.metadata.namespace}/${job}` : undefined;
    };
    const owner = {
      changed: (o: Workload) => {
        const key = ownerOf(o);
        if (key) this.queue.add(key);
      },
      // A child deleted (by hand, or by a cascade) must be applied again at the next reconcile.
      deleted: (o: Workload) => {
        const key = ownerOf(o);
        if (key) this.reconciler.childDeleted(key);
      },
    };
    this.jobs = streamJobInformer(scope, custom, enqueueJob);
    this.statefulSets = workloadInformer<V1StatefulSet>(scope, "statefulsets", owner, () =>
      ns
        ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: OWNED })
        : apps.listStatefulSetForAllNamespaces({ labelSelector: OWNED }),
    );
    this.deployments = workloadInformer<V1Deployment>(scope, "deployments", owner, () =>
      ns
        ? apps.listNamespacedDeployment({ namespace: ns, labelSelector: OWNED })
        : apps.listDeploymentForAllNamespaces({ labelSelector: OWNED }),
    );
    this.reconciler = this.makeReconciler(kc, custom);
  }

  /** The reconciler, reading jobs and their children from the informers' caches and counting into the metrics. */
  private makeReconciler(kc: KubeConfig, custom: CustomObjectsApi): StreamJobReconciler {
    const { settings } = this.opts;
    return new StreamJobReconciler(
      KubernetesObjectApi.makeApiClient(kc),
      custom,
      {
        job: (n, name) => {
          const j = this.jobs.get(name, n);
          return j && withOperatorDefaults(j, settings.checkpointStorage);
        },
        workers: (n, name) => this.statefulSets.get(name, n),
        coordinator: (n, name) => this.deployments.get(name, n),
      },
      new EventRecorder(kc.makeApiClient(CoreV1Api), "sabot-operator", this.log),
      settings,
      this.log,
      {
        coordinators: this.coordinators,
        tls: this.tls,
        requeue: (key, ms) => this.queue.addAfter(key, ms),
        applied: (applied) => this.metrics.childApplies.inc({ result: applied ? "applied" : "skipped" }),
        statusWritten: (written) => this.metrics.statusWrites.inc({ result: written ? "written" : "unchanged" }),
      },
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Children first: a job reconciled before their caches fill would look undeployed.
    await Promise.all([this.statefulSets.start(), this.deployments.start()]);
    await this.jobs.start();
    this.loops = Array.from({ length: this.opts.workers ?? 2 }, () => this.work());
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.queue.shutdown();
    await Promise.all([this.jobs.stop(), this.statefulSets.stop(), this.deployments.stop()]);
    await Promise.all(this.loops);
  }

  private work(): Promise<void> {
    return workQueueLoop(this.queue, {
      handle: async (key) => {
        await this.reconciler.reconcile(key);
        return undefined;
      },
      succeeded: () => this.metrics.reconciles.inc({ result: "success" }),
      failed: (key, err, delay) => {
        const conflict = isConflict(err);
        this.metrics.reconciles.inc({ result: conflict ? "conflict" : "error" });
        // A conflict only means the cache was behind: retried quietly.
        if (conflict) this.log.debug({ job: key, retryInMs: delay }, "status write conflicted; retrying");
        else this.log.warn({ err, job: key, retryInMs: delay }, "reconcile failed; retrying");
      },
      startTimer: () => this.metrics.duration.startTimer(),
    });
  }
}

/** What every informer of this controller watches within: one namespace or all, and how often it resyncs. */
interface WatchScope {
  kc: KubeConfig;
  ns: string | undefined;
  resyncMs: number;
  log: Logger;
}

function streamJobInformer(
  scope: WatchScope,
  custom: CustomObjectsApi,
  onChange: (o: StreamJob) => void,
): ResilientInformer<StreamJob> {
  const { ns } = scope;
  return new ResilientInformer<StreamJob>(
    scope.kc,
    {
      path: ns ? `/apis/${API_GROUP}/v1alpha1/namespaces/${ns}/streamjobs` : `/apis/${API_GROUP}/v1alpha1/streamjobs`,
      list: async () =>
        (ns
          ? await custom.listNamespacedCustomObject({
              group: API_GROUP,
              version: "v1alpha1",
              namespace: ns,
              plural: "streamjobs",
            })
          : await custom.listClusterCustomObject({
              group: API_GROUP,
              version: "v1alpha1",
              plural: "streamjobs",
            })) as KubernetesListObject<StreamJob>,
      transform: cachedStreamJob,
      onChange,
      resyncMs: scope.resyncMs,
    },
    scope.log,
  );
}

/**
 * The workloads the operator owns (by label). Whole objects are not needed, but their status is: a
 * metadata-only watch would not do; the transform keeps what the reconciler reads (cached.ts).
 */
function workloadInformer<Raw extends V1StatefulSet | V1Deployment>(
  scope: WatchScope,
  plural: "statefulsets" | "deployments",
  owner: { changed: (o: Workload) => void; deleted: (o: Workload) => void },
  list: ListPromise<Raw>,
): ResilientInformer<Workload, Raw> {
  return new ResilientInformer<Workload, Raw>(
    scope.kc,
    {
      path: scope.ns ? `/apis/apps/v1/namespaces/${scope.ns}/${plural}` : `/apis/apps/v1/${plural}`,
      list,
      labelSelector: OWNED,
      transform: cachedWorkload,
      onChange: owner.changed,
      onDelete: owner.deleted,
      resyncMs: scope.resyncMs,
    },
    scope.log,
  );
}
