import { parseDuration } from "../../runtime/contract/spec/duration.js";
import type { CheckpointPhase } from "../../runtime/contract/status/checkpoint.js";
import { isTerminal } from "../checkpoint/checkpoint-status.js";
import type { StreamJob } from "./job.js";

/**
 * Periodic savepoints (`spec.savepointInterval`, `spec.savepointRetain`): which Checkpoint objects
 * to create and which to delete, as a pure function of the job and its periodic Checkpoints.
 */

export const PERIODIC_LABEL = "sabot.dev/periodic";
export const DEFAULT_SAVEPOINT_RETAIN = 5;

export interface PeriodicCheckpoint {
  name: string;
  createdMs: number;
  phase?: CheckpointPhase;
}

export interface PeriodicPlan {
  /** Create one now. */
  create: boolean;
  /** When to look again (ms from now), when a schedule applies. */
  nextInMs?: number;
  /** Checkpoint objects to delete (oldest beyond retention). */
  delete: string[];
}

/** When the job last became ready (the Ready condition's transition), else its creation. */
function runningSinceMs(job: StreamJob): number {
  const ready = job.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
  return Date.parse(ready?.lastTransitionTime ?? job.metadata.creationTimestamp?.toString() ?? "") || Date.now();
}

/**
 * A new savepoint is due `interval` after the newest periodic one was created (or after the job
 * became Running), only while the job runs and no periodic one is still unfinished: a slow store
 * gets one savepoint at a time, not a pile. Retention keeps the newest `retain` Completed ones;
 * Failed or Abandoned ones are kept only while newer than the newest Completed (the latest
 * failure stays visible), and unfinished ones are never deleted.
 */
export function planPeriodic(job: StreamJob, existing: PeriodicCheckpoint[], now: number): PeriodicPlan {
  const byAge = [...existing].sort((a, b) => b.createdMs - a.createdMs);
  const retain = job.spec.savepointRetain ?? DEFAULT_SAVEPOINT_RETAIN;
  const completed = byAge.filter((c) => c.phase === "Completed");
  const kept = new Set(completed.slice(0, retain).map((c) => c.name));
  const newestCompletedMs = completed[0]?.createdMs ?? -Infinity;
  const remove = byAge
    .filter((c) => isTerminal(c.phase) && !kept.has(c.name))
    .filter((c) => c.phase === "Completed" || c.createdMs < newestCompletedMs)
    .map((c) => c.name);

  const interval = job.spec.savepointInterval ? parseDuration(job.spec.savepointInterval) : undefined;
  if (interval === undefined || job.spec.state === "suspended" || job.status?.phase !== "Running")
    return { create: false, delete: remove };
  if (byAge.some((c) => !isTerminal(c.phase)))
    return { create: false, nextInMs: Math.min(interval, 5_000), delete: remove };
  const due = (byAge[0]?.createdMs ?? runningSinceMs(job)) + interval;
  return due <= now
    ? { create: true, nextInMs: interval, delete: remove }
    : { create: false, nextInMs: due - now, delete: remove };
}

/** Name of a periodic Checkpoint: the job's name and the time, unique per second. */
export function periodicName(job: string, now: number): string {
  return `${job}-sp-${Math.floor(now / 1000).toString(36)}`;
}
