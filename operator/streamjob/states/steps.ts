import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJobPhase } from "../../../runtime/contract/status/streamjob.js";
import { describeMs, generationOf, specJson, type UpgradeMode, upgradeModeOf } from "./spec.js";
import {
  cond,
  dropUndefined,
  kubeNow,
  type LifecycleEvent,
  type LifecycleStatus,
  lifecycleOf,
  type StateContext,
  type Step,
  type UpgradeStatus,
} from "./types.js";

/** Builders of the steps several states share. */

export const HEALTHY = cond("Degraded", "False", "AsExpected", "");

export const SUSPENDED_WITHOUT_SAVEPOINT =
  "suspended without a savepoint (no checkpointing.storage, or upgradeMode stateless): resuming starts the job without its state";

export function readyMessage(ctx: StateContext): string {
  return `${ctx.cluster.workersReady} workers ready, deployment ${ctx.cluster.ready ? "ready" : "not ready"}`;
}

/** Degraded=True for a failed operation of this generation that is not retried. */
export function degradedFor(ctx: StateContext) {
  const f = ctx.job.status?.lastUpgradeFailure;
  if (f && f.generation === generationOf(ctx.job)) return cond("Degraded", "True", f.reason, f.message);
  const fallback = ctx.job.status?.upgrade?.fallback;
  return fallback ? cond("Degraded", "True", "SavepointFallback", fallback) : HEALTHY;
}

/** An Event for a condition entering `reason`, once: not again on every reconcile that keeps it. */
export function onceFor(
  ctx: StateContext,
  type: "Ready" | "Progressing" | "Degraded",
  reason: string,
  e: LifecycleEvent,
): LifecycleEvent[] {
  return ctx.job.status?.conditions?.some((c) => c.type === type && c.reason === reason) ? [] : [e];
}

export function stay(ctx: StateContext, phase: StreamJobPhase, over: Partial<Step> = {}): Step {
  const msg = readyMessage(ctx);
  return {
    phase,
    status: lifecycleOf(ctx.job.status),
    ready: cond("Ready", ctx.cluster.ready ? "True" : "False", phase === "Running" ? "JobRunning" : phase, msg),
    progressing: cond(
      "Progressing",
      phase === "Running" || phase === "Suspended" || phase === "Failed" ? "False" : "True",
      phase,
      msg,
    ),
    degraded: degradedFor(ctx),
    events: [],
    ...over,
  };
}

export interface Deploy {
  kind: UpgradeStatus["kind"];
  spec: StreamJobSpec;
  restoreFrom?: string;
  phase: "Upgrading" | "Deploying";
  events: LifecycleEvent[];
  mode?: UpgradeMode;
  status?: Partial<LifecycleStatus>;
  fallback?: string;
}

/** Applies `spec` (restoring `restoreFrom`) and waits, in status.upgrade, for it to become Running. */
export function deployStep(ctx: StateContext, d: Deploy): Step {
  const now = kubeNow(ctx.now);
  const prev = lifecycleOf(ctx.job.status);
  const target = generationOf(ctx.job);
  const upgrade: UpgradeStatus = dropUndefined({
    kind: d.kind,
    mode: d.mode ?? upgradeModeOf(d.spec),
    phase: "Deploying" as const,
    targetGeneration: d.kind === "rollback" ? (prev.upgrade?.targetGeneration ?? target) : target,
    startedAt: prev.upgrade?.startedAt ?? now,
    phaseStartedAt: now,
    restoreFrom: d.restoreFrom,
    fallback: d.fallback ?? prev.upgrade?.fallback,
  });
  const what = d.restoreFrom ? `restoring ${d.restoreFrom}` : "without restoring a savepoint";
  const msg = `${d.kind === "rollback" ? "rolling back" : d.kind === "resume" ? "resuming" : "deploying"} generation ${upgrade.targetGeneration} ${what}`;
  return {
    phase: d.phase,
    status: dropUndefined({
      ...prev,
      // A new generation's attempt clears an older failure; a rollback keeps the one it answers.
      lastUpgradeFailure: d.kind === "rollback" ? prev.lastUpgradeFailure : undefined,
      ...d.status,
      lastReconciledSpec: specJson(d.spec),
      restoreFrom: d.restoreFrom,
      deployedAt: now,
      upgrade,
    }),
    ready: cond("Ready", "False", d.phase, msg),
    progressing: cond("Progressing", "True", d.kind === "rollback" ? "RollingBack" : d.phase, msg),
    degraded: d.fallback ? cond("Degraded", "True", "SavepointFallback", d.fallback) : HEALTHY,
    events: d.events,
    requeueAfterMs: ctx.timing.upgradeTimeoutMs + 1_000,
  };
}

/** Scales to zero with `restoreFrom` recorded for the resume. */
export function suspendStep(
  ctx: StateContext,
  restoreFrom: string | undefined,
  events: LifecycleEvent[],
  extra: Partial<LifecycleStatus> = {},
): Step {
  const prev = lifecycleOf(ctx.job.status);
  const msg = `scaling to zero${restoreFrom ? `; resuming restores ${restoreFrom}` : ""}`;
  return {
    phase: "Suspending",
    status: dropUndefined({
      ...prev,
      lastUpgradeFailure: undefined,
      ...extra,
      lastReconciledSpec: specJson(ctx.job.spec),
      restoreFrom,
      deployedAt: kubeNow(ctx.now),
      upgrade: undefined,
    }),
    ready: cond("Ready", "False", "Suspending", msg),
    progressing: cond("Progressing", "True", "Suspending", msg),
    degraded: HEALTHY,
    events,
  };
}

/** Starts a stop-with-savepoint; the next reconcile triggers it (so its start is in status first). */
export function savepointStep(
  ctx: StateContext,
  kind: UpgradeStatus["kind"],
  phase: StreamJobPhase,
  events: LifecycleEvent[],
): Step {
  const now = kubeNow(ctx.now);
  const upgrade: UpgradeStatus = {
    kind,
    mode: "savepoint",
    phase: "Savepointing",
    targetGeneration: generationOf(ctx.job),
    startedAt: now,
    phaseStartedAt: now,
  };
  const msg = `taking a savepoint (stop with savepoint, at most ${describeMs(ctx.timing.savepointTimeoutMs)})`;
  return {
    phase,
    status: { ...lifecycleOf(ctx.job.status), upgrade },
    ready: cond("Ready", ctx.cluster.ready ? "True" : "False", phase, msg),
    progressing: cond("Progressing", "True", "Savepointing", msg),
    degraded: HEALTHY,
    events,
    requeueAfterMs: 0,
  };
}
