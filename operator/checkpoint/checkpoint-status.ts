import type { CheckpointInfo } from "../../runtime/contract/rpc/messages.js";
import type { CheckpointPhase, CheckpointSpec, CheckpointStatus } from "../../runtime/contract/status/checkpoint.js";

/**
 * The Checkpoint lifecycle as pure functions of (spec, status, what the coordinator said, now):
 * Pending → InProgress → Completed | Failed | Abandoned, with failed attempts retried after an
 * exponential backoff until spec.backoffLimit. The reconciler (checkpoint-reconciler.ts) does
 * the I/O and writes what these return.
 */

export const DEFAULT_BACKOFF_LIMIT = 3;

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 60_000 };

/** Wait before attempt n+1 after n failed attempts (n ≥ 1): base · 2^(n-1), capped. */
export function backoffDelayMs(failedAttempts: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(p.baseMs * 2 ** Math.max(0, failedAttempts - 1), p.maxMs);
}

export function isTerminal(phase: CheckpointPhase | undefined): boolean {
  return phase === "Completed" || phase === "Failed" || phase === "Abandoned";
}

export interface Transition {
  status: CheckpointStatus;
  /** Check again after this long (polling a savepoint, waiting out a backoff). */
  requeueMs?: number;
  /** An Event for `kubectl describe checkpoint/x`, when something changed. */
  event?: { type: "Normal" | "Warning"; reason: string; message: string };
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
/** Whole seconds, rounded up: a retry time written down must not come earlier than the backoff. */
const isoCeil = (ms: number) => iso(Math.ceil(ms / 1000) * 1000);

function withoutAttempt(s: CheckpointStatus): CheckpointStatus {
  const { retryAt: _r, ...rest } = s;
  return rest;
}

/**
 * A failed attempt: retried after a backoff while attempts remain, else Failed. `permanent`
 * failures (a job without storage) fail at once: retrying cannot fix them.
 */
export function failAttempt(
  spec: CheckpointSpec,
  s: CheckpointStatus,
  error: string,
  now: number,
  opts: { backoff?: BackoffPolicy; permanent?: boolean } = {},
): Transition {
  const failed = (s.failedAttempts ?? 0) + 1;
  const limit = spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  if (opts.permanent || failed > limit) {
    const why = opts.permanent ? error : `${error} (attempt ${failed} of ${limit + 1}; backoffLimit ${limit} reached)`;
    return {
      status: { ...withoutAttempt(s), phase: "Failed", failedAttempts: failed, error: why, completedAt: iso(now) },
      event: { type: "Warning", reason: "Failed", message: why },
    };
  }
  const delay = backoffDelayMs(failed, opts.backoff);
  return {
    status: { ...s, phase: "Pending", failedAttempts: failed, error, retryAt: isoCeil(now + delay) },
    requeueMs: delay,
    event: {
      type: "Warning",
      reason: "AttemptFailed",
      message: `attempt ${failed} failed: ${error}; retrying in ${Math.round(delay / 100) / 10}s`,
    },
  };
}

/** Still inside a backoff: when the next attempt may start (ms from now), else undefined. */
export function waitingForRetry(s: CheckpointStatus, now: number): number | undefined {
  if (!s.retryAt) return undefined;
  const left = Date.parse(s.retryAt) - now;
  return left > 0 ? left : undefined;
}

/** The coordinator accepted the savepoint: InProgress, followed by polling. */
export function started(
  s: CheckpointStatus,
  info: CheckpointInfo,
  jobGeneration: number,
  now: number,
  pollMs: number,
): Transition {
  const { error: _e, ...rest } = withoutAttempt(s);
  return {
    status: { ...rest, phase: "InProgress", checkpointId: info.id, jobGeneration, startedAt: iso(now) },
    requeueMs: pollMs,
    event: { type: "Normal", reason: "InProgress", message: `savepoint ${info.id} triggered` },
  };
}

/** A checkpoint or savepoint the coordinator reports as COMPLETED. */
export function completed(
  s: CheckpointStatus,
  info: CheckpointInfo,
  now: number,
  extra: Partial<CheckpointStatus> = {},
): Transition {
  const { error: _e, ...rest } = withoutAttempt(s);
  return {
    status: {
      ...rest,
      ...extra,
      phase: "Completed",
      checkpointId: info.id,
      path: info.path,
      sizeBytes: Math.max(0, Math.round(info.bytes)),
      durationMs: Math.max(0, Math.round(info.durationMs)),
      completedAt: iso(now),
    },
    event: {
      type: "Normal",
      reason: "Completed",
      message: `${info.kind || "checkpoint"} ${info.id} completed at ${info.path} (${info.bytes} bytes, ${Math.round(info.durationMs)} ms)`,
    },
  };
}

/**
 * What a poll of an InProgress savepoint means: done, failed (an attempt), still running, or
 * running for longer than `timeoutMs`, which fails the attempt instead of waiting forever.
 * `info` undefined: the poll itself failed (coordinator unreachable) with `pollError`.
 */
export function progressed(
  spec: CheckpointSpec,
  s: CheckpointStatus,
  info: CheckpointInfo | undefined,
  now: number,
  o: { timeoutMs: number; pollMs: number; backoff?: BackoffPolicy; pollError?: string; storageSecret?: string },
): Transition {
  if (info?.state === "COMPLETED")
    return completed(s, info, now, o.storageSecret ? { storageSecret: o.storageSecret } : {});
  if (info?.state === "FAILED")
    return failAttempt(spec, s, `savepoint ${info.id} failed: ${info.error || "no reason given"}`, now, o);
  if (info?.state === "NONE")
    return failAttempt(spec, s, `the coordinator does not know savepoint ${s.checkpointId} (it restarted?)`, now, o);
  const elapsed = now - Date.parse(s.startedAt ?? iso(now));
  if (elapsed > o.timeoutMs)
    return failAttempt(
      spec,
      s,
      `savepoint ${s.checkpointId} did not complete within ${Math.round(o.timeoutMs / 1000)}s${o.pollError ? ` (last error: ${o.pollError})` : ""}; gave up on it`,
      now,
      o,
    );
  return { status: s, requeueMs: o.pollMs };
}

/** The job went away (or never came) while the Checkpoint was not finished. */
export function abandoned(s: CheckpointStatus, why: string, now: number): Transition {
  return {
    status: { ...withoutAttempt(s), phase: "Abandoned", error: why, completedAt: iso(now) },
    event: { type: "Warning", reason: "Abandoned", message: why },
  };
}
