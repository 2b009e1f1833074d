import { RESTORE_NOTHING } from "../resources/coordinator.js";
import { newestCompleted } from "./savepoint.js";
import { blockedFailure, type Change, changeOf, generationOf, type UpgradeMode, upgradeModeOf } from "./spec.js";
import { deployStep, savepointStep, suspendStep } from "./steps.js";
import type { LifecycleEvent, StateContext, Step } from "./types.js";

/** A suspend or an upgrade: the changes whose handling depends on spec.upgradeMode. */
type ModalChange = { kind: "suspend" } | { kind: "upgrade" };

/** What every branch of the decision needs to know about the change. */
interface ChangeScope {
  ctx: StateContext;
  running: boolean;
  gen: number;
  phase: "Upgrading" | "Deploying";
}

/**
 * What to do about a spec that differs from the deployed one, by spec.upgradeMode: the decision
 * every state that can see a spec change shares. `running`: the job runs, so a savepoint can be
 * taken. Undefined when there is nothing to start (no change, or this generation already failed).
 */
export async function startChange(ctx: StateContext, running: boolean): Promise<Step | undefined> {
  const change = changeOf(ctx.job);
  if (change.kind === "none" || change.kind === "settings" || blockedFailure(ctx)) return undefined;
  const scope: ChangeScope = { ctx, running, gen: generationOf(ctx.job), phase: running ? "Upgrading" : "Deploying" };
  if (change.kind === "restore") return restoreRequested(scope, change.path);
  if (change.kind === "resume") return resume(scope, change);
  const mode = upgradeModeOf(ctx.job.spec);
  if (mode === "stateless") return statelessChange(scope, change);
  if (mode === "savepoint" && running) return savepointChange(scope, change);
  return fromNewestCheckpoint(scope, change, mode);
}

/** spec.restoreFrom changed: redeploy restoring exactly that path. */
function restoreRequested({ ctx, gen, phase }: ChangeScope, path: string): Step {
  return deployStep(ctx, {
    kind: "restore",
    spec: ctx.job.spec,
    restoreFrom: path,
    phase,
    events: [
      {
        type: "Normal",
        reason: "RestoreRequested",
        message: `spec.restoreFrom changed: redeploying generation ${gen} restoring exactly ${path}; the job's current state is not kept`,
      },
    ],
  });
}

/** Leaving suspension: restore the savepoint taken on suspend (or the new restoreFrom). */
function resume({ ctx }: ChangeScope, change: Extract<Change, { kind: "resume" }>): Step {
  const from = change.path ?? ctx.job.status?.restoreFrom;
  return deployStep(ctx, {
    kind: "resume",
    spec: ctx.job.spec,
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

/** upgradeMode stateless: scale to zero or redeploy, keeping no state. */
function statelessChange({ ctx, gen, phase }: ChangeScope, change: ModalChange): Step {
  const suspend = change.kind === "suspend";
  const e: LifecycleEvent = {
    type: "Normal",
    reason: suspend ? "Suspending" : "UpgradeStarted",
    message: `upgradeMode stateless: ${suspend ? "scaling to zero without a savepoint" : `redeploying generation ${gen} without state`}`,
  };
  return suspend
    ? suspendStep(ctx, undefined, [e])
    : deployStep(ctx, { kind: "upgrade", spec: ctx.job.spec, restoreFrom: RESTORE_NOTHING, phase, events: [e] });
}

/** upgradeMode savepoint on a running job: stop with a savepoint first. */
function savepointChange({ ctx, gen }: ChangeScope, change: ModalChange): Step {
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
}

/**
 * last-state, or a savepoint upgrade of a job that is not running (no savepoint can be taken):
 * the newest completed checkpoint, which is also what the coordinator restores after a crash.
 */
async function fromNewestCheckpoint(
  { ctx, gen, phase }: ChangeScope,
  change: ModalChange,
  mode: UpgradeMode,
): Promise<Step> {
  const newest = await newestCompleted(ctx);
  const from = newest?.path ?? ctx.job.status?.restoreFrom;
  const source = newest
    ? `${newest.kind} ${newest.id} (${newest.path})`
    : from
      ? `${from}, or a newer completed checkpoint of the job (the coordinator could not be asked)`
      : "the newest completed checkpoint of the job, if any (the coordinator could not be asked)";
  const suspend = change.kind === "suspend";
  const withoutSavepoint = mode === "savepoint";
  const why = withoutSavepoint ? "the job is not Running, so no savepoint can be taken" : "upgradeMode last-state";
  const event: LifecycleEvent = {
    type: withoutSavepoint ? "Warning" : "Normal",
    reason: suspend
      ? withoutSavepoint
        ? "SuspendWithoutSavepoint"
        : "Suspending"
      : withoutSavepoint
        ? "UpgradeWithoutSavepoint"
        : "UpgradeStarted",
    message: `${why}: ${suspend ? "scaling to zero; resuming restores" : `redeploying generation ${gen} restoring`} ${source}`,
  };
  if (suspend) return suspendStep(ctx, from, [event]);
  return deployStep(ctx, { kind: "upgrade", mode, spec: ctx.job.spec, restoreFrom: from, phase, events: [event] });
}
