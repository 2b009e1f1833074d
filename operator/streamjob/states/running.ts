import { startChange } from "./change.js";
import { describeMs, elapsedMs } from "./spec.js";
import { degradedFor, readyMessage, stay } from "./steps.js";
import { cond, dropUndefined, type LifecycleEvent, lifecycleOf, type StateFn } from "./types.js";

/**
 * Running: every pod of the deployed spec is ready. A spec change starts an upgrade (change.ts);
 * a spec that stays ready for stableAfter becomes the last stable spec, the target of rollbacks.
 */
export const running: StateFn = async (ctx) => {
  const { job, cluster, now, timing } = ctx;
  if (!cluster.ready) {
    const change = await startChange(ctx, false);
    return (
      change ?? stay(ctx, "Deploying", { status: dropUndefined({ ...lifecycleOf(job.status), upgrade: undefined }) })
    );
  }
  const change = await startChange(ctx, true);
  if (change) return change;

  const up = job.status?.upgrade;
  const events: LifecycleEvent[] = [];
  if (up) {
    const what =
      up.kind === "rollback"
        ? "RolledBack"
        : up.kind === "resume"
          ? "Resumed"
          : up.kind === "restore"
            ? "Restored"
            : "UpgradeCompleted";
    const from = up.restoreFrom ? ` from ${up.restoreFrom}` : "";
    events.push({
      type: up.kind === "rollback" ? "Warning" : "Normal",
      reason: what,
      message: `generation ${up.targetGeneration} is Running${from}`,
    });
  }
  const status = dropUndefined({ ...lifecycleOf(job.status), upgrade: undefined });
  const readyCond = job.status?.conditions?.find((c) => c.type === "Ready");
  // Ready since: the condition's transition time, or now when it is only turning True.
  const readyFor =
    readyCond?.status === "True" && job.status?.phase === "Running" ? elapsedMs(readyCond.lastTransitionTime, now) : 0;
  let requeueAfterMs: number | undefined;
  if (status.lastReconciledSpec && status.lastStableSpec !== status.lastReconciledSpec) {
    if (readyFor >= timing.stableAfterMs) {
      status.lastStableSpec = status.lastReconciledSpec;
      events.push({
        type: "Normal",
        reason: "SpecStable",
        message: `generation ${job.metadata.generation ?? 0} stayed ready for ${describeMs(timing.stableAfterMs)}: it is the new rollback target`,
      });
    } else requeueAfterMs = timing.stableAfterMs - readyFor + 1_000;
  }
  const msg = readyMessage(ctx);
  return {
    phase: "Running",
    status,
    ready: cond("Ready", "True", "JobRunning", msg),
    progressing: cond("Progressing", "False", "Stable", "all workers ready"),
    degraded: degradedFor(ctx),
    events,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
};
