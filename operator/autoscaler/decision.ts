import type { AutoscalerInputs, RescaleRecord } from "../../runtime/contract/status/autoscaler.js";
import type { ObservedMetrics } from "./queries.js";
import type { AutoscalerSettings } from "./settings.js";

/** Why the autoscaler changed, kept or could not decide the parallelism (the Event/condition reason). */
export type DecisionReason =
  | "ScaleUp"
  | "ScaleDown"
  | "Steady"
  | "ScaleDownPending"
  | "ManualScaleHold"
  | "IneffectiveScaling"
  // Cannot decide:
  | "JobNotRunning"
  | "RescaleInProgress"
  | "WarmingUp"
  | "Restarting"
  | "MissingMetrics"
  | "StaleMetrics"
  | "NoLagMetric"
  | "NoThroughput";

export const REFUSALS: ReadonlySet<DecisionReason> = new Set([
  "JobNotRunning",
  "RescaleInProgress",
  "WarmingUp",
  "Restarting",
  "MissingMetrics",
  "StaleMetrics",
  "NoLagMetric",
  "NoThroughput",
]);

export interface DecisionInput {
  nowMs: number;
  /** spec.parallelism. */
  current: number;
  /** Workers ready now (status.parallelism) and whether the job's phase is Running. */
  ready: number;
  running: boolean;
  /** When the current parallelism took effect (a rescale completed, a manual scale was seen, the job started). */
  parallelismSinceMs: number;
  /** Kafka sources the job reads as streams (tables excluded); each must export lag. */
  streamSources: string[];
  /** Non-Kafka stream sources (generators): no lag, so no decision. */
  sourcesWithoutLag: string[];
  metrics: ObservedMetrics | null;
  /** Oldest first, as in status.autoscaler.history. */
  history: RescaleRecord[];
  pendingScaleDown?: { sinceMs: number; parallelism: number };
}

export interface Decision {
  recommended: number;
  /** True when spec.parallelism should be set to `recommended` now. */
  change: boolean;
  reason: DecisionReason;
  message: string;
  inputs: AutoscalerInputs;
  pendingScaleDown?: { sinceMs: number; parallelism: number };
  /** The history with the latest rescale completed and/or assessed (same length and order). */
  history: RescaleRecord[];
  /** parallelismSinceMs, moved to now when this call saw a rescale complete. */
  parallelismSinceMs: number;
}

/** A scale-up whose gain was below this share of the expected gain is ineffective (as in Flink). */
export const EFFECTIVENESS_THRESHOLD = 0.1;
/** Average busy fraction below which a rescale's capacity is not assessed (too noisy). */
export const MIN_BUSY_TO_ASSESS = 0.3;
/** How long an ineffective scale-up blocks scaling up past where it started. */
export const INEFFECTIVE_MEMORY_MS = 60 * 60_000;
/** Newest sample older than max(this, window/4): metrics are stale. */
const MIN_STALE_MS = 30_000;
/** The window must be covered by this share of post-change data before rates are trusted. */
const COVERAGE = 0.9;
const EPS = 1e-9;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** What decide() has settled so far: a completed or assessed rescale moves the history and the since-time. */
interface Progress {
  input: DecisionInput;
  history: RescaleRecord[];
  sinceMs: number;
}

/** What the job does now, measured over one metric window. */
interface Measurement {
  m: ObservedMetrics;
  lag: number;
  lagGrowth: number;
  inputRate: number;
  busyAvg: number;
  /** Records per busy second of one subtask; infinite when no busy time was measured. */
  perSubtask: number;
  targetRate: number;
  upper: number;
  inputs: AutoscalerInputs;
}

/** The parallelism a job needs, and the words that say why. */
interface Recommendation {
  recommended: number;
  needed: number;
  why: string;
  bounded: string;
}

/**
 * The parallelism a job needs, from what Prometheus measured. Pure: the loop supplies the clock,
 * the metrics and the history, and writes back what this returns.
 *
 * needed = ceil(targetRate / (processingRatePerSubtask × targetUtilization)), where the true
 * processing rate is records per busy second (Flink's busy-time model: idle and backpressured time
 * do not count), and targetRate = inputRate × (1 + restart / catchUp) + lag / catchUp: the input,
 * plus the backlog present now and the backlog the rescale's own restart adds, worked off within
 * catchUpDuration.
 */
export function decide(input: DecisionInput, s: AutoscalerSettings): Decision {
  const p: Progress = { input, history: input.history, sinceMs: input.parallelismSinceMs };
  const unfinished = completeAutoscalerRescale(p);
  if (unfinished) return unfinished;
  const checked = usableMetrics(p, s);
  if ("refusal" in checked) return checked.refusal;
  const w = measure(p, s, checked.metrics);
  if (w.m.sourceRate <= EPS && w.lag > 0)
    return hold(
      p,
      "NoThroughput",
      `the job read nothing in the last window although the lag is ${w.lag}: it is stuck or blocked downstream, which more subtasks would not fix`,
      w.inputs,
    );
  assessLatestScaleUp(p, w);
  const r = recommend(p.input.current, s, w);
  const manual = manualScaleHold(p, s, w, r);
  if (manual) return manual;
  if (r.recommended > p.input.current) return scaleUp(p, w, r);
  if (r.recommended === p.input.current)
    return {
      recommended: r.recommended,
      change: false,
      reason: "Steady",
      message: `keep ${p.input.current}: ${r.why}${r.bounded}`,
      inputs: w.inputs,
      history: p.history,
      parallelismSinceMs: p.sinceMs,
    };
  return scaleDown(p, s, w, r);
}

/** A decision that keeps the current parallelism. */
function hold(
  p: Progress,
  reason: DecisionReason,
  message: string,
  inputs: AutoscalerInputs = {},
  pending = p.input.pendingScaleDown,
): Decision {
  return {
    recommended: p.input.current,
    change: false,
    reason,
    message,
    inputs,
    ...(pending ? { pendingScaleDown: pending } : {}),
    history: p.history,
    parallelismSinceMs: p.sinceMs,
  };
}

/** 1a. The autoscaler's last rescale: marks it completed once all its workers run, else holds. */
function completeAutoscalerRescale(p: Progress): Decision | null {
  const { input } = p;
  const last = p.history.at(-1);
  if (last?.trigger !== "autoscaler" || last.completedAt) return null;
  if (!(input.running && input.ready === last.to && input.current === last.to))
    return hold(
      p,
      "RescaleInProgress",
      `rescale ${last.from} → ${last.to} requested at ${last.time} has not finished (${input.ready} of ${last.to} workers ready)`,
    );
  const t0 = Date.parse(last.time);
  p.history = [
    ...p.history.slice(0, -1),
    { ...last, completedAt: iso(input.nowMs), restartSeconds: round(Math.max(0, input.nowMs - t0) / 1000, 1) },
  ];
  p.sinceMs = input.nowMs;
  return null;
}

/** 1b. Is there a settled job to measure, with fresh, complete metrics? */
function usableMetrics(p: Progress, s: AutoscalerSettings): { refusal: Decision } | { metrics: ObservedMetrics } {
  const { input } = p;
  const { current } = input;
  const refuse = (reason: DecisionReason, message: string) => ({ refusal: hold(p, reason, message) });
  if (!input.running || input.ready !== current)
    return refuse(
      "JobNotRunning",
      `the job is not running at its parallelism (${input.ready} of ${current} workers ready): no decision until it is`,
    );
  if (input.sourcesWithoutLag.length > 0)
    return refuse(
      "NoLagMetric",
      `source(s) ${input.sourcesWithoutLag.join(", ")} export no consumer lag (only Kafka sources do), so the backlog cannot be measured: the autoscaler does not scale this job`,
    );
  const settledMs = input.nowMs - p.sinceMs;
  // Right after a change the old workers' series are gone and the new ones not yet scraped.
  if (settledMs < s.metricWindowMs)
    return refuse(
      "WarmingUp",
      `waiting for a full metric window (${s.metricWindowMs / 1000}s) of data at parallelism ${current}: ${Math.round(settledMs / 1000)}s so far`,
    );
  const m = input.metrics;
  if (!m || m.subtasks === 0)
    return refuse(
      "MissingMetrics",
      `no sabot_subtask_busy_seconds_total series for this job in the last ${s.metricWindowMs / 1000}s: is Prometheus scraping the workers' metrics port?`,
    );
  const staleMs = Math.max(MIN_STALE_MS, s.metricWindowMs / 4);
  if (m.ageSeconds === null || m.ageSeconds * 1000 > staleMs)
    return refuse(
      "StaleMetrics",
      `the newest worker sample is ${m.ageSeconds === null ? "missing" : `${Math.round(m.ageSeconds)}s old`} (limit ${staleMs / 1000}s): scraping stopped or the workers are down`,
    );
  if (m.restarts > 0)
    return refuse(
      "Restarting",
      `${m.restarts} worker counter reset(s) in the last ${s.metricWindowMs / 1000}s: the job restarted, its rates are not representative yet`,
    );
  const coverageMs = (m.coverageSeconds ?? 0) * 1000;
  if (coverageMs < COVERAGE * s.metricWindowMs)
    return refuse(
      "WarmingUp",
      `waiting for a full metric window (${s.metricWindowMs / 1000}s) of data at parallelism ${current}: the newest worker series is ${Math.round(coverageMs / 1000)}s old`,
    );
  const missingLag = input.streamSources.filter((x) => !m.sourcesWithLag.includes(x));
  if (missingLag.length > 0 || m.lag === null)
    return refuse(
      "MissingMetrics",
      `no sabot_kafka_consumer_lag for source(s) ${(missingLag.length ? missingLag : input.streamSources).join(", ")}: the lag cannot be measured`,
    );
  return { metrics: m };
}

/** 2. What the job does now. */
function measure(p: Progress, s: AutoscalerSettings, m: ObservedMetrics): Measurement {
  const lag = Math.max(0, m.lag ?? 0); // usableMetrics refused a null lag
  const lagGrowth = m.lagGrowth ?? 0;
  const inputRate = Math.max(0, m.sourceRate + lagGrowth);
  const busyAvg = m.busySum / m.subtasks;
  const perSubtask = m.busySum > EPS ? m.sourceRate / m.busySum : Number.POSITIVE_INFINITY;
  const observedRestarts = p.history
    .filter((r) => r.trigger === "autoscaler" && r.restartSeconds !== undefined)
    .slice(-3);
  const restartSec =
    observedRestarts.length > 0 ? Math.max(...observedRestarts.map((r) => r.restartSeconds!)) : s.restartTimeMs / 1000;
  const catchUpSec = s.catchUpDurationMs / 1000;
  const targetRate = inputRate * (1 + restartSec / catchUpSec) + lag / catchUpSec;
  const upper = Math.max(s.minParallelism, Math.min(s.maxParallelism, m.partitions ?? Number.POSITIVE_INFINITY));
  const inputs: AutoscalerInputs = {
    inputRate: round(inputRate),
    sourceRate: round(m.sourceRate),
    lag,
    lagGrowth: round(lagGrowth),
    busyRatio: round(busyAvg),
    maxBusyRatio: round(m.busyMax),
    backpressuredRatio: round(m.backpressuredAvg),
    idleRatio: round(Math.max(0, 1 - busyAvg - m.backpressuredAvg)),
    ...(Number.isFinite(perSubtask) ? { processingRatePerSubtask: round(perSubtask) } : {}),
    targetRate: round(targetRate),
    restartSeconds: round(restartSec, 1),
    ...(m.partitions !== null ? { partitions: m.partitions } : {}),
    upperBound: upper,
    subtasks: m.subtasks,
  };
  return { m, lag, lagGrowth, inputRate, busyAvg, perSubtask, targetRate, upper, inputs };
}

/** 3. A finished scale-up one window ago: did it deliver? Records its effectiveness in the history. */
function assessLatestScaleUp(p: Progress, w: Measurement): void {
  const capacity = Number.isFinite(w.perSubtask) ? w.perSubtask * w.m.subtasks : null;
  const latest = p.history.at(-1);
  // Records per busy second are only a fair capacity estimate while the job is busy: a nearly
  // idle job's fixed costs per batch dominate. Otherwise the assessment waits for load.
  if (
    latest &&
    latest.trigger === "autoscaler" &&
    latest.completedAt &&
    latest.effectiveness === undefined &&
    latest.expectedCapacity !== undefined &&
    latest.capacityBefore !== undefined &&
    capacity !== null &&
    w.busyAvg >= MIN_BUSY_TO_ASSESS
  ) {
    const gain = latest.expectedCapacity - latest.capacityBefore;
    const effectiveness = gain > EPS ? (capacity - latest.capacityBefore) / gain : 1;
    p.history = [
      ...p.history.slice(0, -1),
      {
        ...latest,
        observedCapacity: round(capacity),
        effectiveness: round(effectiveness),
        effective: effectiveness >= EFFECTIVENESS_THRESHOLD,
      },
    ];
  }
}

/** 4. The parallelism needed, within bounds. */
function recommend(current: number, s: AutoscalerSettings, w: Measurement): Recommendation {
  const { m, perSubtask, targetRate, upper } = w;
  let needed: number;
  if (targetRate <= EPS) needed = s.minParallelism;
  else if (!Number.isFinite(perSubtask))
    needed = current; // records but no measurable busy time: no basis to move
  else needed = Math.ceil(targetRate / (perSubtask * s.targetUtilization) - 1e-9);
  const recommended = evenly(Math.min(upper, Math.max(s.minParallelism, needed)), upper, m.partitions);
  const why = `input ${fmt(w.inputRate)}/s, lag ${w.lag} (${w.lagGrowth >= 0 ? "+" : ""}${fmt(w.lagGrowth)}/s), ${fmt(perSubtask)}/s per busy subtask, busy ${Math.round(w.busyAvg * 100)}%: target ${fmt(targetRate)}/s at ${Math.round(s.targetUtilization * 100)}% utilization needs ${needed}`;
  const bounded =
    recommended !== needed
      ? ` (bounded to ${recommended}: min ${s.minParallelism}, max ${upper}${m.partitions !== null ? `, ${m.partitions} partitions` : ""})`
      : "";
  return { recommended, needed, why, bounded };
}

/** 5. A user's scale holds until the stabilization window has passed. */
function manualScaleHold(p: Progress, s: AutoscalerSettings, w: Measurement, r: Recommendation): Decision | null {
  const { current, nowMs } = p.input;
  const manual = [...p.history].reverse().find((x) => x.trigger === "manual");
  if (
    r.recommended !== current &&
    manual &&
    nowMs - Date.parse(manual.time) < s.stabilizationWindowMs &&
    p.sinceMs >= Date.parse(manual.time)
  )
    return hold(
      p,
      "ManualScaleHold",
      `parallelism ${current} was set by a user at ${manual.time}; the autoscaler keeps it until ${iso(Date.parse(manual.time) + s.stabilizationWindowMs)} (would recommend ${r.recommended}: ${r.why})`,
      w.inputs,
    );
  return null;
}

/** Scale up, unless a recent ineffective scale-up from below the recommendation blocks it. */
function scaleUp(p: Progress, w: Measurement, r: Recommendation): Decision {
  const { current, nowMs } = p.input;
  let recommended = r.recommended;
  const blocker = p.history.find(
    (x) =>
      x.trigger === "autoscaler" &&
      x.effective === false &&
      x.to > x.from &&
      nowMs - Date.parse(x.time) < INEFFECTIVE_MEMORY_MS &&
      recommended > x.from,
  );
  if (blocker) {
    const capped = Math.max(current, blocker.from);
    if (capped === current)
      return hold(
        p,
        "IneffectiveScaling",
        `would scale up to ${recommended} (${r.why}), but the scale-up ${blocker.from} → ${blocker.to} at ${blocker.time} gained only ${Math.round((blocker.effectiveness ?? 0) * 100)}% of the expected capacity: scaling up is blocked until ${iso(Date.parse(blocker.time) + INEFFECTIVE_MEMORY_MS)}; look for a bottleneck outside the job (sink, broker, skew)`,
        w.inputs,
      );
    recommended = capped;
  }
  return {
    recommended,
    change: true,
    reason: "ScaleUp",
    message: `scale up ${current} → ${recommended}: ${r.why}${r.bounded}`,
    inputs: w.inputs,
    history: p.history,
    parallelismSinceMs: p.sinceMs,
  };
}

/** 6. Scale down: at most scaleDownMaxFactor per step, the highest recommendation of a full stabilization window. */
function scaleDown(p: Progress, s: AutoscalerSettings, w: Measurement, r: Recommendation): Decision {
  const { current, nowMs } = p.input;
  const { inputs } = w;
  const floor = Math.max(s.minParallelism, Math.ceil(current * (1 - s.scaleDownMaxFactor) - 1e-9));
  const step = Math.min(current, evenly(Math.max(r.recommended, floor), w.upper, w.m.partitions));
  if (step >= current)
    return {
      recommended: current,
      change: false,
      reason: "Steady",
      message: `keep ${current}: ${r.why}; a smaller even split is not allowed in one step`,
      inputs,
      history: p.history,
      parallelismSinceMs: p.sinceMs,
    };
  const prior = p.input.pendingScaleDown;
  const pending = prior
    ? { sinceMs: prior.sinceMs, parallelism: Math.max(prior.parallelism, step) }
    : { sinceMs: nowMs, parallelism: step };
  const lastChange = Math.max(p.sinceMs, ...p.history.map((x) => Date.parse(x.time)));
  const readyAt = Math.max(pending.sinceMs, lastChange) + s.stabilizationWindowMs;
  if (nowMs < readyAt)
    return {
      recommended: pending.parallelism,
      change: false,
      reason: "ScaleDownPending",
      message: `would scale down ${current} → ${pending.parallelism} at ${iso(readyAt)} if it is still recommended then (stabilization ${s.stabilizationWindowMs / 1000}s): ${r.why}`,
      inputs,
      pendingScaleDown: pending,
      history: p.history,
      parallelismSinceMs: p.sinceMs,
    };
  return {
    recommended: pending.parallelism,
    change: true,
    reason: "ScaleDown",
    message: `scale down ${current} → ${pending.parallelism} (recommended since ${iso(pending.sinceMs)}): ${r.why}${r.bounded}`,
    inputs,
    history: p.history,
    parallelismSinceMs: p.sinceMs,
  };
}

/** The smallest p' >= p (up to `upper`) that divides the partitions evenly; p when none does. */
function evenly(p: number, upper: number, partitions: number | null): number {
  if (partitions === null || partitions <= 0) return p;
  for (let q = p; q <= Math.min(upper, partitions); q++) if (partitions % q === 0) return q;
  return p;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "∞";
  const a = Math.abs(x);
  return a >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : a >= 1e3 ? `${(x / 1e3).toFixed(1)}K` : x.toFixed(a < 10 ? 2 : 0);
}
