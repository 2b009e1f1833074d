import { specJson } from "./spec.js";
import { HEALTHY, stay, suspendStep } from "./steps.js";
import { dropUndefined, kubeNow, lifecycleOf, type StateFn } from "./types.js";

/**
 * A job nothing was deployed for yet: deploy its spec (restoring spec.restoreFrom when set). Its
 * conditions say what Deploying says while no pod is ready, so the next reconcile (woken by this
 * status write) finds the status unchanged instead of writing it a second time.
 */
export const pending: StateFn = async (ctx) => {
  const { job, now } = ctx;
  if (job.spec.state === "suspended") return suspendStep(ctx, job.spec.restoreFrom, []);
  return stay(ctx, "Deploying", {
    status: dropUndefined({
      ...lifecycleOf(job.status),
      lastReconciledSpec: specJson(job.spec),
      restoreFrom: job.spec.restoreFrom,
      deployedAt: kubeNow(now),
    }),
    degraded: HEALTHY,
    requeueAfterMs: ctx.timing.upgradeTimeoutMs + 1_000,
  });
};
