import type { CheckpointInfo } from "../../../runtime/contract/rpc/messages.js";
import { advanceSavepoint, newestCompleted, type SavepointFailure } from "./savepoint.js";
import { generationOf } from "./spec.js";
import { deployStep, stay, suspendStep } from "./steps.js";
import {
  cond,
  dropUndefined,
  kubeNow,
  lifecycleOf,
  type StateContext,
  type Step,
  type UpgradeStatus,
} from "./types.js";

/**
 * The Savepointing part of Upgrading and Suspending: follow the stop-with-savepoint in
 * status.upgrade; once it completed, redeploy (or scale to zero) restoring it. A savepoint that
 * fails or times out never silently becomes a checkpoint: only spec.savepointFallback allows that.
 */
export async function savepointing(ctx: StateContext, up: UpgradeStatus): Promise<Step> {
  const phase = up.kind === "suspend" ? "Suspending" : "Upgrading";
  const p = await advanceSavepoint(
    ctx,
    up,
    up.kind === "suspend" ? "suspend" : `upgrade to generation ${up.targetGeneration}`,
  );
  switch (p.state) {
    case "pending":
    case "unreachable":
      return stay(ctx, phase, {
        status: { ...lifecycleOf(ctx.job.status), upgrade: p.upgrade },
        progressing: cond("Progressing", "True", "Savepointing", p.message),
        events:
          p.upgrade.savepointId !== undefined && up.savepointId === undefined
            ? [{ type: "Normal", reason: "SavepointTriggered", message: p.message }]
            : [],
        requeueAfterMs: ctx.timing.pollIntervalMs,
      });
    case "completed":
      return afterSavepoint(ctx, up, p.info);
    case "failed":
      return savepointFailed(ctx, up, p.reason, p.message);
  }
}

function afterSavepoint(ctx: StateContext, up: UpgradeStatus, info: CheckpointInfo): Step {
  const lastSavepoint = { id: info.id, path: info.path, time: kubeNow(ctx.now), reason: up.kind };
  const done = {
    type: "Normal" as const,
    reason: "SavepointCompleted",
    message: `savepoint ${info.id} completed: ${info.path}`,
  };
  // The spec as it is now: a change made while the savepoint ran is rolled out with it.
  if (ctx.job.spec.state === "suspended") return suspendStep(ctx, info.path, [done], { lastSavepoint });
  return deployStep(ctx, {
    kind: up.kind === "suspend" ? "resume" : up.kind,
    spec: ctx.job.spec,
    restoreFrom: info.path,
    phase: up.kind === "suspend" ? "Deploying" : "Upgrading",
    mode: "savepoint",
    events: [done],
    status: { lastSavepoint },
  });
}

async function savepointFailed(
  ctx: StateContext,
  up: UpgradeStatus,
  reason: SavepointFailure,
  message: string,
): Promise<Step> {
  const what = up.kind === "suspend" ? "suspend" : `upgrade to generation ${up.targetGeneration}`;
  if (ctx.job.spec.savepointFallback === "last-checkpoint") {
    const newest = await newestCompleted(ctx);
    if (newest) {
      const fallback = `${message}; spec.savepointFallback is last-checkpoint, so the ${what} restores ${newest.kind} ${newest.id} (${newest.path}) instead`;
      const event = { type: "Warning" as const, reason: "SavepointFallback", message: fallback };
      if (ctx.job.spec.state === "suspended")
        return {
          ...suspendStep(ctx, newest.path, [event]),
          degraded: cond("Degraded", "True", "SavepointFallback", fallback),
        };
      return deployStep(ctx, {
        kind: up.kind,
        spec: ctx.job.spec,
        restoreFrom: newest.path,
        phase: "Upgrading",
        mode: "savepoint",
        events: [event],
        fallback,
      });
    }
    message = `${message}; spec.savepointFallback is last-checkpoint, but the coordinator reports no completed checkpoint`;
  }
  const full = `${what} abandoned: ${message}. The job keeps running its current spec; fix the cause and change the spec again to retry${
    ctx.job.spec.savepointFallback === "last-checkpoint"
      ? ""
      : ", or set spec.savepointFallback: last-checkpoint to allow restoring the newest checkpoint instead"
  }`;
  const failure = {
    generation: Math.max(up.targetGeneration, generationOf(ctx.job)),
    reason,
    message: full,
    time: kubeNow(ctx.now),
  };
  const status = dropUndefined({ ...lifecycleOf(ctx.job.status), upgrade: undefined, lastUpgradeFailure: failure });
  const phase = ctx.cluster.ready ? "Running" : "Deploying";
  return {
    ...stay(ctx, phase, { status }),
    ...(phase === "Running" ? { ready: cond("Ready", "True", "JobRunning", "running the previous spec") } : {}),
    degraded: cond("Degraded", "True", reason, full),
    events: [{ type: "Warning", reason, message: full }],
  };
}
