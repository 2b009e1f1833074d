import type { SpecIssue } from "../../../runtime/contract/spec/errors.js";
import { startChange } from "./change.js";
import { pending } from "./pending.js";
import { running } from "./running.js";
import { stay } from "./steps.js";
import { cond, lifecycleOf, type StateContext, type StateFn, type Step } from "./types.js";

/**
 * Failed: an upgrade that did not become Running (and was not rolled back), or a spec the engine
 * refuses. Not final: a fixed spec is deployed at once, and pods that become ready make it Running.
 */
export const failed: StateFn = async (ctx) => {
  const { job } = ctx;
  if (!job.status?.lastReconciledSpec) return pending(ctx);
  if (ctx.cluster.ready) return running(ctx);
  const change = await startChange(ctx, false);
  if (change) return change;
  const f = job.status.lastUpgradeFailure;
  const error = job.status.error ?? f?.message ?? "the job is not running";
  return stay(ctx, "Failed", { error, degraded: cond("Degraded", "True", f?.reason ?? "NotRunning", error) });
};

/**
 * A spec the engine refuses (the CRD's schema cannot say every rule): Failed with the engine's
 * words, nothing applied. Whatever runs keeps running its last valid spec.
 */
export function invalidSpec(ctx: StateContext, issues: SpecIssue[]): Step {
  const error = `invalid StreamJob: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
  return {
    phase: "Failed",
    status: lifecycleOf(ctx.job.status),
    error,
    ready: cond("Ready", "False", "InvalidSpec", error),
    progressing: cond("Progressing", "False", "InvalidSpec", "fix the spec; nothing was deployed"),
    degraded: cond("Degraded", "True", "InvalidSpec", error),
    events: [],
  };
}
