import { parseDuration } from "../../runtime/contract/spec/duration.js";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";

/** `spec.autoscaler` with every default filled in; durations in milliseconds. */
export interface AutoscalerSettings {
  enabled: boolean;
  dryRun: boolean;
  minParallelism: number;
  /** Upper bound of the autoscaler; never above spec.maxParallelism (the key groups). */
  maxParallelism: number;
  /** Busy fraction each subtask should run at once scaled (headroom for bursts). */
  targetUtilization: number;
  metricWindowMs: number;
  /** A scale-down waits until this long after the last rescale and until it was recommended this long. */
  stabilizationWindowMs: number;
  /** Lag (and what piles up during the restart) must be worked off within this long. */
  catchUpDurationMs: number;
  /** Assumed restart time of a rescale until one has been observed. */
  restartTimeMs: number;
  /** Largest fraction of the current parallelism one scale-down may remove. */
  scaleDownMaxFactor: number;
  /** How often the job is evaluated: half the metric window. */
  evaluationIntervalMs: number;
  prometheusUrl?: string;
}

export const AUTOSCALER_DEFAULTS = {
  dryRun: false,
  minParallelism: 1,
  targetUtilization: 0.7,
  metricWindow: "2m",
  stabilizationWindow: "5m",
  catchUpDuration: "5m",
  restartTime: "60s",
  scaleDownMaxFactor: 0.5,
  /** Key groups when spec.maxParallelism is unset (the engine's default). */
  keyGroups: 128,
} as const;

/** Env the Helm chart sets on the operator: the Prometheus URL when a job names none. */
export const PROMETHEUS_URL_ENV = "SABOT_OPERATOR_PROMETHEUS_URL";

export function autoscalerSettings(spec: StreamJobSpec, env: NodeJS.ProcessEnv = process.env): AutoscalerSettings {
  const a = spec.autoscaler;
  const keyGroups = spec.maxParallelism ?? AUTOSCALER_DEFAULTS.keyGroups;
  const metricWindowMs = parseDuration(a?.metricWindow ?? AUTOSCALER_DEFAULTS.metricWindow);
  const minParallelism = Math.min(a?.minParallelism ?? AUTOSCALER_DEFAULTS.minParallelism, keyGroups);
  const url = a?.prometheus?.url ?? env[PROMETHEUS_URL_ENV];
  return {
    enabled: a?.enabled ?? false,
    dryRun: a?.dryRun ?? AUTOSCALER_DEFAULTS.dryRun,
    minParallelism,
    maxParallelism: Math.max(minParallelism, Math.min(a?.maxParallelism ?? keyGroups, keyGroups)),
    targetUtilization: a?.targetUtilization ?? AUTOSCALER_DEFAULTS.targetUtilization,
    metricWindowMs,
    stabilizationWindowMs: parseDuration(a?.stabilizationWindow ?? AUTOSCALER_DEFAULTS.stabilizationWindow),
    catchUpDurationMs: parseDuration(a?.catchUpDuration ?? AUTOSCALER_DEFAULTS.catchUpDuration),
    restartTimeMs: parseDuration(a?.restartTime ?? AUTOSCALER_DEFAULTS.restartTime),
    scaleDownMaxFactor: a?.scaleDownMaxFactor ?? AUTOSCALER_DEFAULTS.scaleDownMaxFactor,
    evaluationIntervalMs: Math.max(1000, Math.floor(metricWindowMs / 2)),
    ...(url ? { prometheusUrl: url } : {}),
  };
}
