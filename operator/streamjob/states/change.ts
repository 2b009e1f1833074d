import { RESTORE_NOTHING } from "../resources/coordinator.js";
import { newestCompleted } from "./savepoint.js";
import { blockedFailure, changeOf, generationOf, upgradeModeOf } from "./spec.js";
import { deployStep, savepointStep, suspendStep } from "./steps.js";
import type { LifecycleEvent, StateContext, Step } from "./types.js";

/**
 * What to do about a spec that differs from the deployed one, by spec.upgradeMode: the decision
 * every state that can see a spec change shares. `running`: the job runs, so a savepoint can be
 * taken. Undefined when there is nothing to start (no change, or this generation already failed).
 */
export async function startChange(ctx: StateContext, running: boolean): Promise<Step | undefined> {
  const change = changeOf(ctx.job);
  if (change.kind === "none" || change.kind === "settings" || blockedFailure(ctx)) return undefined;
  const { job } = ctx;
  const gen = generationOf(job);
  const mode = upgradeModeOf(job.spec);
  const current = job.status?.restoreFrom;
  const phase = running ? "Upgrading" : "Deploying";

  if (change.kind === "restore")
    return deployStep(ctx, {
      kind: "restore",
      spec: job.spec,
      restoreFrom: change.path,
      phase,
      events: [
        {
          type: "Normal",
          reason: "RestoreRequested",
          message: `spec.restoreFrom changed: redeploying generation ${gen} restoring exactly ${change.path}; the job's current state is not kept`,
        },
      ],
    });

  if (change.kind === "resume") {
    const from = change.path ?? current;
    return deployStep(ctx, {
      kind: "resume",
      spec: job.spec,
      // "none": the coordinator must not fall back to the job's older checkpoints either.
      restoreFrom: from ?? RESTORE_NOTHING,
      phase: "Deploying",
      events: [
        {
          type: "Normal",
          reason: "Resuming",
          message: from ? `resuming, restoring ${from}` : "resuming without state (no savepoint was taken on suspend)",
        },
      ],
    });
  }

  if (mode === "stateless") {
    const e: LifecycleEvent = {
      type: "Normal",
      reason: change.kind === "suspend" ? "Suspending" : "UpgradeStarted",
      message: `upgradeMode stateless: ${change.kind === "suspend" ? "scaling to zero without a savepoint" : `redeploying generation ${gen} without state`}`,
    };
    return change.kind === "suspend"
      ? suspendStep(ctx, undefined, [e])
      : deployStep(ctx, { kind: "upgrade", spec: job.spec, restoreFrom: RESTORE_NOTHING, phase, events: [e] });
  }

  if (mode === "savepoint" && running)
    return change.kind === "suspend"
      ? savepointStep(ctx, "suspend", "Suspending", [
          {
            type: "Normal",
            reason: "Suspending",
            message: "taking a savepoint (stop with savepoint) before scaling to zero",
          },
        ])
      : savepointStep(ctx, "upgrade", "Upgrading", [
          {
            type: "Normal",
            reason: "UpgradeStarted",
            message: `generation ${gen}: stop with a savepoint, then redeploy restoring it`,
          },
        ]);

  // last-state, or a savepoint upgrade of a job that is not running (no savepoint can be taken):
  // the newest completed checkpoint, which is also what the coordinator restores after a crash.
  const newest = await newestCompleted(ctx);
  const from = newest?.path ?? current;
  const source = newest
    ? `${newest.kind} ${newest.id} (${newest.path})`
    : from
      ? `${from}, or a newer completed checkpoint of the job (the coordinator could not be asked)`
      : "the newest completed checkpoint of the job, if any (the coordinator could not be asked)";
  const why = mode === "savepoint" ? "the job is not Running, so no savepoint can be taken" : "upgradeMode last-state";
  const event: LifecycleEvent = {
    type: mode === "savepoint" ? "Warning" : "Normal",
    reason:
      change.kind === "suspend"
        ? mode === "savepoint"
          ? "SuspendWithoutSavepoint"
          : "Suspending"
        : mode === "savepoint"
          ? "UpgradeWithoutSavepoint"
          : "UpgradeStarted",
    message: `${why}: ${change.kind === "suspend" ? "scaling to zero; resuming restores" : `redeploying generation ${gen} restoring`} ${source}`,
  };
  if (change.kind === "suspend") return suspendStep(ctx, from, [event]);
  return deployStep(ctx, { kind: "upgrade", mode, spec: job.spec, restoreFrom: from, phase, events: [event] });
}
