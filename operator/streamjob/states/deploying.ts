import { startChange } from "./change.js";
import { running } from "./running.js";
import { describeMs, elapsedMs } from "./spec.js";
import { onceFor, readyMessage, stay } from "./steps.js";
import { cond, dropUndefined, lifecycleOf, type StateFn } from "./types.js";

/**
 * Deploying: a first deployment, a resume or restore, or a Running job that lost a pod. Running
 * once every pod is ready; past upgradeTimeout the job is reported Degraded (there is no older
 * spec to roll back to: upgrades wait in Upgrading).
 */
export const deploying: StateFn = async (ctx) => {
  const change = await startChange(ctx, false);
  if (change) return change;
  if (ctx.cluster.ready) return running(ctx);
  const status = ctx.job.status;
  const waited = elapsedMs(status?.upgrade?.phaseStartedAt ?? status?.deployedAt, ctx.now);
  const limit = ctx.timing.upgradeTimeoutMs;
  if (waited <= limit) return stay(ctx, "Deploying", { requeueAfterMs: limit - waited + 1_000 });
  const msg = `not Running after ${describeMs(limit)} (upgradeTimeout): ${readyMessage(ctx)}; check the pods' events and logs`;
  return stay(ctx, "Deploying", {
    status: dropUndefined({ ...lifecycleOf(status), upgrade: undefined }),
    degraded: cond("Degraded", "True", "DeployTimeout", msg),
    events: onceFor(ctx, "Degraded", "DeployTimeout", { type: "Warning", reason: "DeployTimeout", message: msg }),
  });
};
