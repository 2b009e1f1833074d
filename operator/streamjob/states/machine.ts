import type { StreamJobPhase } from "../../../runtime/contract/status/streamjob.js";
import { deleting } from "./deleting.js";
import { deploying } from "./deploying.js";
import { failed } from "./failed.js";
import { pending } from "./pending.js";
import { running } from "./running.js";
import { changeOf, specJson } from "./spec.js";
import { suspended } from "./suspended.js";
import { suspending } from "./suspending.js";
import type { LifecycleEvent, StateContext, StateFn, Step } from "./types.js";
import { upgrading } from "./upgrading.js";

/** The state function of each phase: the phase in status is the state machine's state. */
export const STATES: Record<StreamJobPhase, StateFn> = {
  Pending: pending,
  Deploying: deploying,
  Running: running,
  Upgrading: upgrading,
  Suspending: suspending,
  Suspended: suspended,
  Failed: failed,
  // The coordinator reports a finished bounded job; the pods stay until the spec changes.
  Completed: running,
};

/**
 * One lifecycle step for a valid spec. A change of fields only the operator reads (rollback,
 * timeouts, upgradeMode, savepointInterval, autoscaler, ...) is recorded first, whatever the
 * phase: it needs no pods.
 */
export async function nextStep(ctx: StateContext, opts: { deleting: boolean }): Promise<Step> {
  if (opts.deleting) return deleting(ctx);
  const events: LifecycleEvent[] = [];
  const status = ctx.job.status;
  if (status?.lastReconciledSpec && changeOf(ctx.job).kind === "settings") {
    ctx = { ...ctx, job: { ...ctx.job, status: { ...status, lastReconciledSpec: specJson(ctx.job.spec) } } };
    events.push({
      type: "Normal",
      reason: "SpecUpdated",
      message:
        "only fields the operator reads changed (lifecycle, periodic savepoints, autoscaler): recorded without redeploying",
    });
  }
  const phase = status?.lastReconciledSpec ? (status.phase ?? "Deploying") : "Pending";
  const step = await STATES[phase](ctx);
  return { ...step, events: [...events, ...step.events] };
}
