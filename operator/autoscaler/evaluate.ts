import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import { type AutoscalerDecision, AutoscalerStatus } from "../../runtime/contract/status/autoscaler.js";
import type { Condition } from "../../runtime/contract/status/condition.js";
import type { EventRecorder } from "../kube/events.js";
import { sabotObject } from "../kube/object-ref.js";
import type { StatusWriter } from "../kube/status-writer.js";
import type { StreamJob } from "../streamjob/job.js";
import { type Decision, decide, REFUSALS } from "./decision.js";
import { appendBounded, autoscalerRecord, isRepeatOfLast, manualRecord } from "./history.js";
import type { AutoscalerMetrics } from "./metrics.js";
import { PrometheusClient, PrometheusError } from "./prometheus.js";
import { type ObservedMetrics, readJobMetrics } from "./queries.js";
import { type AutoscalerSettings, autoscalerSettings, PROMETHEUS_URL_ENV } from "./settings.js";

export interface EvaluationDeps {
  custom: CustomObjectsApi;
  status: StatusWriter;
  events: EventRecorder;
  metrics: AutoscalerMetrics;
  log: Logger;
  /** Makes the client for a URL (tests inject timeouts); default: a PrometheusClient. */
  prometheus?: (url: string) => PrometheusClient;
  env?: NodeJS.ProcessEnv;
}

/** What one evaluation decided and wrote. */
export interface Evaluation {
  decision: AutoscalerDecision;
  status: AutoscalerStatus;
  /** spec.parallelism was patched to decision.recommended. */
  applied: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Reasons that mean the autoscaler cannot decide, beyond decide()'s own: it never got metrics. */
const NO_PROMETHEUS = "NoPrometheus";

/**
 * One evaluation of one autoscaled job: notice a manual scale, read Prometheus, decide, apply
 * through the scale subresource (the `kubectl scale` path, so the lifecycle's savepoint-and-restore
 * handles it like any parallelism change), then record status.autoscaler, an Event when something
 * changed, and the operator's metrics.
 */
export async function evaluateJob(job: StreamJob, nowMs: number, deps: EvaluationDeps): Promise<Evaluation> {
  const { namespace, name } = job.metadata;
  const s = autoscalerSettings(job.spec, deps.env ?? process.env);
  const prev = job.status?.autoscaler ?? {};
  const current = job.spec.parallelism ?? 1;
  let history = prev.history ?? [];
  let observedSinceMs = prev.observedSince ? Date.parse(prev.observedSince) : nowMs;
  let pending = prev.pendingScaleDown ? { sinceMs: Date.parse(prev.pendingScaleDown.since), parallelism: prev.pendingScaleDown.parallelism } : undefined;
  if (prev.observedParallelism !== undefined && prev.observedParallelism !== current) {
    // Not ours (ours updates observedParallelism when applied): a user scaled the job.
    history = appendBounded(history, manualRecord(prev.observedParallelism, current, nowMs));
    observedSinceMs = nowMs;
    pending = undefined;
    await deps.events.record(job, "Normal", "AutoscalerManualScale", `parallelism changed ${prev.observedParallelism} → ${current} outside the autoscaler; it is kept for the stabilization window (${s.stabilizationWindowMs / 1000}s)`);
  }

  const streams = Object.entries(job.spec.sources);
  const input = {
    nowMs,
    current,
    ready: job.status?.parallelism ?? 0,
    running: job.status?.phase === "Running",
    parallelismSinceMs: observedSinceMs,
    streamSources: streams.filter(([, src]) => src.kafka && !src.kafka.table).map(([n]) => n),
    sourcesWithoutLag: streams.filter(([, src]) => !src.kafka).map(([n]) => n),
    history,
    ...(pending ? { pendingScaleDown: pending } : {}),
  };

  let metrics: ObservedMetrics | null = null;
  let problem: { reason: string; message: string } | null = null;
  if (!s.prometheusUrl) {
    problem = { reason: NO_PROMETHEUS, message: `no Prometheus to read metrics from: set spec.autoscaler.prometheus.url, or ${PROMETHEUS_URL_ENV} on the operator (the Helm value autoscaler.prometheusUrl)` };
  } else {
    try {
      const client = (deps.prometheus ?? ((u) => new PrometheusClient(u)))(s.prometheusUrl);
      metrics = await readJobMetrics(client, name, s.metricWindowMs);
    } catch (err) {
      if (!(err instanceof PrometheusError)) throw err;
      problem = { reason: err.reason, message: err.message };
    }
  }
  let decision: Decision = decide({ ...input, metrics }, s);
  let reason: string = decision.reason;
  let message = decision.message;
  // The job's own state explains more than a Prometheus problem; otherwise the problem is the reason.
  if (problem && !["JobNotRunning", "RescaleInProgress", "NoLagMetric"].includes(decision.reason)) {
    decision = { ...decision, recommended: current, change: false };
    reason = problem.reason;
    message = problem.message;
  }
  const refused = REFUSALS.has(decision.reason) || problem !== null;

  history = decision.history;
  let applied = false;
  let recorded = false;
  if (decision.change) {
    const record = autoscalerRecord(decision, current, nowMs, s.dryRun);
    if (s.dryRun) {
      recorded = !isRepeatOfLast(history, record);
      if (recorded) history = appendBounded(history, record);
    } else {
      try {
        await deps.custom.patchNamespacedCustomObjectScale(
          { group: API_GROUP, version: "v1alpha1", namespace, plural: "streamjobs", name, body: { spec: { replicas: decision.recommended } } },
          MERGE,
        );
        applied = true;
        history = appendBounded(history, record);
      } catch (err) {
        deps.log.warn({ err, job: `${namespace}/${name}` }, "autoscaler could not patch the scale subresource");
        await deps.events.record(job, "Warning", "AutoscalerPatchFailed", `could not set parallelism ${current} → ${decision.recommended}: ${(err as Error).message}`);
      }
    }
  }

  const last: AutoscalerDecision = {
    time: iso(nowMs),
    current,
    recommended: decision.recommended,
    applied,
    reason,
    message: s.dryRun && decision.change ? `dry run, not applied: ${message}` : message,
    inputs: decision.inputs,
  };
  const status: AutoscalerStatus = {
    dryRun: s.dryRun,
    lastDecision: last,
    observedParallelism: applied ? decision.recommended : current,
    observedSince: iso(applied ? nowMs : decision.parallelismSinceMs),
    ...(decision.pendingScaleDown ? { pendingScaleDown: { since: iso(decision.pendingScaleDown.sinceMs), parallelism: decision.pendingScaleDown.parallelism } } : {}),
    history,
    conditions: [readyCondition(prev.conditions, refused, reason, message, s, nowMs)],
  };
  await writeStatus(deps.status, job, status);

  const before = prev.lastDecision;
  if (applied || recorded || !before || before.reason !== reason || before.recommended !== last.recommended)
    await deps.events.record(job, refused || reason === "IneffectiveScaling" ? "Warning" : "Normal", `Autoscaler${reason}`, last.message);
  deps.metrics.current.set({ namespace, job_name: name }, applied ? decision.recommended : current);
  deps.metrics.recommended.set({ namespace, job_name: name }, decision.recommended);
  deps.metrics.decisions.inc({ reason });
  deps.log.debug({ job: `${namespace}/${name}`, reason, current, recommended: decision.recommended, applied }, "autoscaler decision");
  return { decision: last, status, applied };
}

function readyCondition(previous: Condition[] | undefined, refused: boolean, reason: string, message: string, s: AutoscalerSettings, nowMs: number): Condition {
  const status = refused ? "False" : "True";
  const old = previous?.find((c) => c.type === "AutoscalerReady");
  return {
    type: "AutoscalerReady",
    status,
    reason,
    message: refused ? `cannot decide: ${message}` : s.dryRun ? "deciding (dry run: recommendations are recorded, not applied)" : "deciding from Prometheus metrics",
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : iso(nowMs),
  };
}

/** Replaces status.autoscaler as a whole (a plain merge would keep stale nested fields). */
async function writeStatus(writer: StatusWriter, job: StreamJob, autoscaler: AutoscalerStatus): Promise<void> {
  const { namespace, name } = job.metadata;
  if (!(await writer.replaceField(sabotObject("streamjobs", namespace, name), "autoscaler", AutoscalerStatus, autoscaler)))
    throw new Error(`StreamJob ${namespace}/${name} was deleted while the autoscaler evaluated it`);
}
