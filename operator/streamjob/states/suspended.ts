import { startChange } from "./change.js";
import { changeOf, specJson } from "./spec.js";
import { HEALTHY, SUSPENDED_WITHOUT_SAVEPOINT } from "./steps.js";
import { cond, lifecycleOf, type StateFn } from "./types.js";

/** Suspended: nothing runs; status.restoreFrom is what a resume restores. */
export const suspended: StateFn = async (ctx) => {
  const { job } = ctx;
  if (job.spec.state !== "suspended") {
    const resume = await startChange(ctx, false);
    if (resume) return resume;
  }
  const status = lifecycleOf(job.status);
  // Edits while suspended need no pods: recorded now, rolled out on resume.
  const change = changeOf(job);
  if (change.kind === "restore") status.restoreFrom = change.path;
  if (change.kind !== "none") status.lastReconciledSpec = specJson(job.spec);
  const msg = status.restoreFrom ? `suspended; resuming restores ${status.restoreFrom}` : SUSPENDED_WITHOUT_SAVEPOINT;
  return {
    phase: "Suspended",
    status,
    ready: cond("Ready", "False", "Suspended", msg),
    progressing: cond("Progressing", "False", "Suspended", "scaled to zero"),
    degraded: HEALTHY,
    events: [],
  };
};
