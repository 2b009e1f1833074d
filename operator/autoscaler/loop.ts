import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import { EventRecorder } from "../kube/events.js";
import { StatusWriter } from "../kube/status-writer.js";
import { asStreamJob, type StreamJob } from "../streamjob/job.js";
import { type Evaluation, evaluateJob } from "./evaluate.js";
import type { AutoscalerMetrics } from "./metrics.js";
import type { PrometheusClient } from "./prometheus.js";
import { autoscalerSettings } from "./settings.js";

export interface AutoscalerLoopOptions {
  /** One namespace; all when unset (as the controller). */
  namespace?: string;
  /** How often the loop looks for jobs that are due (default 5 s). */
  tickMs?: number;
  /** Evaluate each job this often instead of every metricWindow/2 (tests). */
  intervalMs?: number;
  metrics: AutoscalerMetrics;
  prometheus?: (url: string) => PrometheusClient;
  env?: NodeJS.ProcessEnv;
}

/**
 * Evaluates every StreamJob with spec.autoscaler.enabled, each every metricWindow/2. Runs only on
 * the leader (started and stopped with the controller by the manager). Jobs are read fresh from
 * the API server at each tick, so a decision never acts on a stale spec.parallelism; evaluations
 * run one after another, so a slow Prometheus delays the others rather than piling up requests.
 */
export class AutoscalerLoop {
  private readonly custom: CustomObjectsApi;
  private readonly status: StatusWriter;
  private readonly events: EventRecorder;
  private readonly nextDue = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    kc: KubeConfig,
    private readonly opts: AutoscalerLoopOptions,
    private readonly log: Logger,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.status = new StatusWriter(this.custom);
    this.events = new EventRecorder(kc.makeApiClient(CoreV1Api), "sabot-autoscaler", log);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 5000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Evaluates the jobs that are due; a tick still running is not started again. */
  tick(nowMs = Date.now()): Promise<void> {
    if (!this.running)
      this.running = this.evaluateDue(nowMs)
        .catch((err: unknown) => this.log.warn({ err }, "autoscaler tick failed"))
        .finally(() => (this.running = null));
    return this.running;
  }

  /** One evaluation now, whether due or not (tests, and `kubectl`-free debugging). */
  async evaluate(namespace: string, name: string, nowMs = Date.now()): Promise<Evaluation | null> {
    const job = asStreamJob(
      await this.custom.getNamespacedCustomObject({
        group: API_GROUP,
        version: "v1alpha1",
        namespace,
        plural: "streamjobs",
        name,
      }),
    );
    if (!job.spec.autoscaler?.enabled || job.metadata.deletionTimestamp) return null;
    return this.evaluateOne(job, nowMs);
  }

  private async evaluateDue(nowMs: number): Promise<void> {
    const ns = this.opts.namespace;
    const list = (
      ns
        ? await this.custom.listNamespacedCustomObject({
            group: API_GROUP,
            version: "v1alpha1",
            namespace: ns,
            plural: "streamjobs",
          })
        : await this.custom.listClusterCustomObject({ group: API_GROUP, version: "v1alpha1", plural: "streamjobs" })
    ) as KubernetesListObject<StreamJob>;
    const seen = new Set<string>();
    for (const obj of list.items) {
      const job = asStreamJob(obj);
      const key = `${job.metadata.namespace}/${job.metadata.name}`;
      if (!job.spec.autoscaler?.enabled || job.metadata.deletionTimestamp) continue;
      seen.add(key);
      if ((this.nextDue.get(key) ?? 0) > nowMs) continue;
      const interval = this.opts.intervalMs ?? autoscalerSettings(job.spec, this.opts.env).evaluationIntervalMs;
      this.nextDue.set(key, nowMs + interval);
      try {
        await this.evaluateOne(job, nowMs);
      } catch (err) {
        this.log.warn({ err, job: key }, "autoscaler evaluation failed");
      }
    }
    for (const key of [...this.nextDue.keys()]) {
      if (seen.has(key)) continue;
      this.nextDue.delete(key);
      const [namespace, name] = key.split("/") as [string, string];
      this.opts.metrics.forget(namespace, name);
    }
  }

  private evaluateOne(job: StreamJob, nowMs: number): Promise<Evaluation> {
    return evaluateJob(job, nowMs, {
      custom: this.custom,
      status: this.status,
      events: this.events,
      metrics: this.opts.metrics,
      log: this.log,
      ...(this.opts.prometheus ? { prometheus: this.opts.prometheus } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
    });
  }
}
