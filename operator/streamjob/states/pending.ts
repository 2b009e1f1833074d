import { generationOf, specJson } from "./spec.js";
import { HEALTHY, suspendStep } from "./steps.js";
import { cond, dropUndefined, kubeNow, lifecycleOf, type StateFn } from "./types.js";

/** A job nothing was deployed for yet: deploy its spec (restoring spec.restoreFrom when set). */
export const pending: StateFn = async (ctx) => {
  const { job, now } = ctx;
  if (job.spec.state === "suspended") return suspendStep(ctx, job.spec.restoreFrom, []);
  const msg = `deploying generation ${generationOf(job)}`;
  return {
    phase: "Deploying",
    status: dropUndefined({
      ...lifecycleOf(job.status),
      lastReconciledSpec: specJson(job.spec),
      restoreFrom: job.spec.restoreFrom,
      deployedAt: kubeNow(now),
    }),
    ready: cond("Ready", "False", "Deploying", msg),
    progressing: cond("Progressing", "True", "Deploying", msg),
    degraded: HEALTHY,
    events: [],
    requeueAfterMs: ctx.timing.upgradeTimeoutMs + 1_000,
  };
};
