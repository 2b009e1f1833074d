import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import {
  type AutoscalerDecision,
  AutoscalerStatus,
  type RescaleRecord,
} from "../../runtime/contract/status/autoscaler.js";
import type { Condition } from "../../runtime/contract/status/condition.js";
import type { EventRecorder } from "../kube/events.js";
import { sabotObject } from "../kube/object-ref.js";
import type { StatusWriter } from "../kube/status-writer.js";
import type { StreamJob } from "../streamjob/job.js";
import { type Decision, type DecisionInput, decide, REFUSALS } from "./decision.js";
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

/** Why no metrics could be read (the condition reason and message). */
interface Problem {
  reason: string;
  message: string;
}

/** Where the autoscaler's own bookkeeping stands for this job, after noticing any manual scale. */
interface Observed {
  history: RescaleRecord[];
  observedSinceMs: number;
  pending: { sinceMs: number; parallelism: number } | undefined;
}

/** What decide() said, with a Prometheus problem taking over the reason when the job's state does not explain more. */
interface Outcome {
  decision: Decision;
  reason: string;
  message: string;
  refused: boolean;
}

/** What applying a decision did: the history as written, whether the scale was patched or a dry-run record added. */
interface Application {
  history: RescaleRecord[];
  applied: boolean;
  recorded: boolean;
}

/**
 * One evaluation of one autoscaled job: notice a manual scale, read Prometheus, decide, apply
 * through the scale subresource (the `kubectl scale` path, so the lifecycle's savepoint-and-restore
 * handles it like any parallelism change), then record status.autoscaler, an Event when something
 * changed, and the operator's metrics.
 */
export async function evaluateJob(job: StreamJob, nowMs: number, deps: EvaluationDeps): Promise<Evaluation> {
  const s = autoscalerSettings(job.spec, deps.env ?? process.env);
  const prev = job.status?.autoscaler ?? {};
  const current = job.spec.parallelism ?? 1;
  const observed = await noticeManualScale(job, prev, current, nowMs, s, deps);
  const input = decisionInput(job, current, nowMs, observed);
  const { metrics, problem } = await readMetrics(job.metadata.name, s, deps);
  const outcome = decideWithProblem(decide({ ...input, metrics }, s), problem, current);
  const { decision } = outcome;
  const { history, applied, recorded } = await applyDecision(job, decision, current, nowMs, s, deps);

  const last: AutoscalerDecision = {
    time: iso(nowMs),
    current,
    recommended: decision.recommended,
    applied,
    reason: outcome.reason,
    message: s.dryRun && decision.change ? `dry run, not applied: ${outcome.message}` : outcome.message,
    inputs: decision.inputs,
  };
  const status: AutoscalerStatus = {
    dryRun: s.dryRun,
    lastDecision: last,
    observedParallelism: applied ? decision.recommended : current,
    observedSince: iso(applied ? nowMs : decision.parallelismSinceMs),
    ...(decision.pendingScaleDown
      ? {
          pendingScaleDown: {
            since: iso(decision.pendingScaleDown.sinceMs),
            parallelism: decision.pendingScaleDown.parallelism,
          },
        }
      : {}),
    history,
    conditions: [readyCondition(prev.conditions, outcome.refused, outcome.reason, outcome.message, s, nowMs)],
  };
  await writeStatus(deps.status, job, status);
  await report(job, prev.lastDecision, last, outcome, applied || recorded, deps);
  return { decision: last, status, applied };
}

/** A parallelism the autoscaler did not set (it updates observedParallelism when it applies one): a user scaled the job. */
async function noticeManualScale(
  job: StreamJob,
  prev: AutoscalerStatus,
  current: number,
  nowMs: number,
  s: AutoscalerSettings,
  deps: EvaluationDeps,
): Promise<Observed> {
  const history = prev.history ?? [];
  const observedSinceMs = prev.observedSince ? Date.parse(prev.observedSince) : nowMs;
  const pending = prev.pendingScaleDown
    ? { sinceMs: Date.parse(prev.pendingScaleDown.since), parallelism: prev.pendingScaleDown.parallelism }
    : undefined;
  if (prev.observedParallelism === undefined || prev.observedParallelism === current)
    return { history, observedSinceMs, pending };
  await deps.events.record(
    job,
    "Normal",
    "AutoscalerManualScale",
    `parallelism changed ${prev.observedParallelism} → ${current} outside the autoscaler; it is kept for the stabilization window (${s.stabilizationWindowMs / 1000}s)`,
  );
  return {
    history: appendBounded(history, manualRecord(prev.observedParallelism, current, nowMs)),
    observedSinceMs: nowMs,
    pending: undefined,
  };
}

/** decide()'s input, less the metrics. */
function decisionInput(
  job: StreamJob,
  current: number,
  nowMs: number,
  observed: Observed,
): Omit<DecisionInput, "metrics"> {
  const streams = Object.entries(job.spec.sources ?? {}); // a sql job's sources are in its SQL
  return {
    nowMs,
    current,
    ready: job.status?.parallelism ?? 0,
    running: job.status?.phase === "Running",
    parallelismSinceMs: observed.observedSinceMs,
    streamSources: streams.filter(([, src]) => src.kafka && !src.kafka.table).map(([n]) => n),
    sourcesWithoutLag: streams.filter(([, src]) => !src.kafka).map(([n]) => n),
    history: observed.history,
    ...(observed.pending ? { pendingScaleDown: observed.pending } : {}),
  };
}

/** The job's metrics from Prometheus, or why there are none (no URL configured, or a Prometheus error). */
async function readMetrics(
  name: string,
  s: AutoscalerSettings,
  deps: EvaluationDeps,
): Promise<{ metrics: ObservedMetrics | null; problem: Problem | null }> {
  if (!s.prometheusUrl)
    return {
      metrics: null,
      problem: {
        reason: NO_PROMETHEUS,
        message: `no Prometheus to read metrics from: set spec.autoscaler.prometheus.url, or ${PROMETHEUS_URL_ENV} on the operator (the Helm value autoscaler.prometheusUrl)`,
      },
    };
  try {
    const client = (deps.prometheus ?? ((u) => new PrometheusClient(u)))(s.prometheusUrl);
    return { metrics: await readJobMetrics(client, name, s.metricWindowMs), problem: null };
  } catch (err) {
    if (!(err instanceof PrometheusError)) throw err;
    return { metrics: null, problem: { reason: err.reason, message: err.message } };
  }
}

/** The job's own state explains more than a Prometheus problem; otherwise the problem is the reason. */
function decideWithProblem(decision: Decision, problem: Problem | null, current: number): Outcome {
  const refused = REFUSALS.has(decision.reason) || problem !== null;
  if (problem && !["JobNotRunning", "RescaleInProgress", "NoLagMetric"].includes(decision.reason))
    return {
      decision: { ...decision, recommended: current, change: false },
      reason: problem.reason,
      message: problem.message,
      refused,
    };
  return { decision, reason: decision.reason, message: decision.message, refused };
}

/** Patches spec.parallelism through the scale subresource (or records it, in a dry run) and appends the rescale to the history. */
async function applyDecision(
  job: StreamJob,
  decision: Decision,
  current: number,
  nowMs: number,
  s: AutoscalerSettings,
  deps: EvaluationDeps,
): Promise<Application> {
  const { namespace, name } = job.metadata;
  const history = decision.history;
  if (!decision.change) return { history, applied: false, recorded: false };
  const record = autoscalerRecord(decision, current, nowMs, s.dryRun);
  if (s.dryRun) {
    const recorded = !isRepeatOfLast(history, record);
    return { history: recorded ? appendBounded(history, record) : history, applied: false, recorded };
  }
  try {
    await deps.custom.patchNamespacedCustomObjectScale(
      {
        group: API_GROUP,
        version: "v1alpha1",
        namespace,
        plural: "streamjobs",
        name,
        body: { spec: { replicas: decision.recommended } },
      },
      MERGE,
    );
    return { history: appendBounded(history, record), applied: true, recorded: false };
  } catch (err) {
    deps.log.warn({ err, job: `${namespace}/${name}` }, "autoscaler could not patch the scale subresource");
    await deps.events.record(
      job,
      "Warning",
      "AutoscalerPatchFailed",
      `could not set parallelism ${current} → ${decision.recommended}: ${(err as Error).message}`,
    );
    return { history, applied: false, recorded: false };
  }
}

/** An Event when something changed since the last decision, then the operator's metrics and a debug line. */
async function report(
  job: StreamJob,
  before: AutoscalerDecision | undefined,
  last: AutoscalerDecision,
  outcome: Outcome,
  changed: boolean,
  deps: EvaluationDeps,
): Promise<void> {
  const { namespace, name } = job.metadata;
  const { reason, refused } = outcome;
  const { current, recommended, applied } = last;
  if (changed || !before || before.reason !== reason || before.recommended !== recommended)
    await deps.events.record(
      job,
      refused || reason === "IneffectiveScaling" ? "Warning" : "Normal",
      `Autoscaler${reason}`,
      last.message,
    );
  deps.metrics.current.set({ namespace, job_name: name }, applied ? recommended : current);
  deps.metrics.recommended.set({ namespace, job_name: name }, recommended);
  deps.metrics.decisions.inc({ reason });
  deps.log.debug({ job: `${namespace}/${name}`, reason, current, recommended, applied }, "autoscaler decision");
}

function readyCondition(
  previous: Condition[] | undefined,
  refused: boolean,
  reason: string,
  message: string,
  s: AutoscalerSettings,
  nowMs: number,
): Condition {
  const status = refused ? "False" : "True";
  const old = previous?.find((c) => c.type === "AutoscalerReady");
  return {
    type: "AutoscalerReady",
    status,
    reason,
    message: refused
      ? `cannot decide: ${message}`
      : s.dryRun
        ? "deciding (dry run: recommendations are recorded, not applied)"
        : "deciding from Prometheus metrics",
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : iso(nowMs),
  };
}

/** Replaces status.autoscaler as a whole (a plain merge would keep stale nested fields). */
async function writeStatus(writer: StatusWriter, job: StreamJob, autoscaler: AutoscalerStatus): Promise<void> {
  const { namespace, name } = job.metadata;
  if (
    !(await writer.replaceField(sabotObject("streamjobs", namespace, name), "autoscaler", AutoscalerStatus, autoscaler))
  )
    throw new Error(`StreamJob ${namespace}/${name} was deleted while the autoscaler evaluated it`);
}
