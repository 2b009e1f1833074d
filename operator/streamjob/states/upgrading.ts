import { startChange } from "./change.js";
import { running } from "./running.js";
import { savepointing } from "./savepointing.js";
import { describeMs, elapsedMs, generationOf, parseSpec } from "./spec.js";
import { deployStep, readyMessage, stay } from "./steps.js";
import {
  cond,
  dropUndefined,
  kubeNow,
  type LifecycleEvent,
  lifecycleOf,
  type StateContext,
  type StateFn,
  type Step,
  type UpgradeStatus,
} from "./types.js";

/**
 * Upgrading: a savepoint in flight (savepointing.ts), then the new deployment coming up. Not
 * Running within upgradeTimeout, the upgrade failed: with spec.rollback the last stable spec is
 * redeployed, else the job is Failed with the reason in status, conditions and an Event.
 */
export const upgrading: StateFn = async (ctx) => {
  const up = ctx.job.status?.upgrade;
  if (!up) return running(ctx);
  if (up.phase === "Savepointing") return savepointing(ctx, up);
  // A newer spec while the new pods come up: roll it out now (no savepoint: nothing runs yet).
  if (generationOf(ctx.job) > up.targetGeneration && up.kind !== "rollback") {
    const change = await startChange(ctx, false);
    if (change) return change;
  }
  if (ctx.cluster.ready) return running(ctx);
  const waited = elapsedMs(up.phaseStartedAt, ctx.now);
  const limit = ctx.timing.upgradeTimeoutMs;
  if (waited <= limit) return stay(ctx, "Upgrading", { requeueAfterMs: limit - waited + 1_000 });
  return upgradeFailed(
    ctx,
    up,
    `generation ${up.targetGeneration} was not Running within upgradeTimeout (${describeMs(limit)}): ${readyMessage(ctx)}`,
  );
};

function upgradeFailed(ctx: StateContext, up: UpgradeStatus, message: string): Step {
  const { job } = ctx;
  const prev = lifecycleOf(job.status);
  const failure = {
    generation: Math.max(up.targetGeneration, generationOf(job)),
    reason: "UpgradeFailed",
    message,
    time: kubeNow(ctx.now),
  };
  const stable = parseSpec(prev.lastStableSpec);
  const canRollBack = up.kind !== "rollback" && stable !== undefined && prev.lastStableSpec !== prev.lastReconciledSpec;
  if (job.spec.rollback && canRollBack) {
    const restoreFrom = up.restoreFrom ?? prev.restoreFrom;
    const events: LifecycleEvent[] = [
      { type: "Warning", reason: "UpgradeFailed", message },
      {
        type: "Normal",
        reason: "RollingBack",
        message: `spec.rollback: redeploying the last stable spec${restoreFrom ? ` restoring ${restoreFrom} (or a newer checkpoint of the job)` : ""}`,
      },
    ];
    const step = deployStep(ctx, {
      kind: "rollback",
      spec: stable,
      restoreFrom,
      phase: "Upgrading",
      events,
      status: { lastUpgradeFailure: failure },
    });
    return { ...step, degraded: cond("Degraded", "True", "UpgradeFailed", message) };
  }
  const why =
    up.kind === "rollback"
      ? "the rollback failed too"
      : job.spec.rollback
        ? "no stable spec to roll back to"
        : "spec.rollback is not set";
  const full = `${message}; ${why}. Fix the spec (a new generation is deployed at once) or set spec.restoreFrom`;
  return {
    ...stay(ctx, "Failed", {
      status: dropUndefined({ ...prev, upgrade: undefined, lastUpgradeFailure: { ...failure, message: full } }),
    }),
    error: full,
    degraded: cond("Degraded", "True", up.kind === "rollback" ? "RollbackFailed" : "UpgradeFailed", full),
    events: [{ type: "Warning", reason: up.kind === "rollback" ? "RollbackFailed" : "UpgradeFailed", message: full }],
  };
}
