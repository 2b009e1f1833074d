import { advanceSavepoint } from "./savepoint.js";
import { hasStorage } from "./spec.js";
import { savepointStep, stay } from "./steps.js";
import {
  cond,
  dropUndefined,
  kubeNow,
  type LifecycleEvent,
  lifecycleOf,
  type StateContext,
  type StateFn,
  type Step,
} from "./types.js";

/**
 * A deleted job whose finalizer is still on: a final stop-with-savepoint (bounded by
 * savepointTimeout), then the finalizer goes and garbage collection removes the children. Skipped,
 * with an Event, when there is no storage, the job is not Running or the coordinator does not answer.
 */
export const deleting: StateFn = async (ctx) => {
  const { job } = ctx;
  const phase = job.status?.phase ?? "Pending";
  const up = job.status?.upgrade;
  if (up?.kind !== "delete") {
    if (!hasStorage(job.spec))
      return release(ctx, {
        type: "Normal",
        reason: "FinalSavepointSkipped",
        message: "no checkpointing.storage: deleting without a final savepoint",
      });
    if (phase !== "Running") {
      const sp = job.status?.lastSavepoint;
      const note = phase === "Suspended" && sp ? ` (its state is in savepoint ${sp.id}: ${sp.path})` : "";
      return release(ctx, {
        type: "Normal",
        reason: "FinalSavepointSkipped",
        message: `the job is ${phase}, not Running: deleting without a final savepoint${note}`,
      });
    }
    return savepointStep(ctx, "delete", phase, [
      {
        type: "Normal",
        reason: "FinalSavepoint",
        message: "taking a final savepoint (stop with savepoint) before deleting the job",
      },
    ]);
  }
  const p = await advanceSavepoint(ctx, up, "deletion");
  switch (p.state) {
    case "pending":
      return stay(ctx, phase, {
        status: { ...lifecycleOf(job.status), upgrade: p.upgrade },
        progressing: cond("Progressing", "True", "FinalSavepoint", p.message),
        requeueAfterMs: ctx.timing.pollIntervalMs,
      });
    case "unreachable":
      return release(ctx, {
        type: "Warning",
        reason: "FinalSavepointSkipped",
        message: `${p.message}: deleting without a final savepoint`,
      });
    case "failed":
      return release(ctx, {
        type: "Warning",
        reason: "FinalSavepointFailed",
        message: `${p.message}: deleting without a final savepoint`,
      });
    case "completed":
      return release(
        ctx,
        {
          type: "Normal",
          reason: "FinalSavepointCompleted",
          message: `final savepoint ${p.info.id} completed: ${p.info.path}`,
        },
        { id: p.info.id, path: p.info.path, time: kubeNow(ctx.now), reason: "delete" },
      );
  }
};

function release(
  ctx: StateContext,
  event: LifecycleEvent,
  lastSavepoint?: { id: number; path: string; time: string; reason: string },
): Step {
  const status = dropUndefined({
    ...lifecycleOf(ctx.job.status),
    upgrade: undefined,
    ...(lastSavepoint ? { lastSavepoint } : {}),
  });
  return { ...stay(ctx, ctx.job.status?.phase ?? "Pending", { status }), events: [event], releaseFinalizer: true };
}
