import { parseDuration } from "../../contract/spec/duration.js";
import type { StreamJobSpec } from "../../contract/spec/schema.js";

/**
 * Exponential-backoff restarts (spec.restartStrategy): after the n-th consecutive failure the job
 * waits initialBackoff * multiplier^(n-1), at most maxBackoff, and gives up (FAILED) after
 * maxRestarts consecutive failures. An attempt that ran longer than `resetAfterMs` (twice the
 * maximum backoff, at least a minute) ends the streak, so a long-running job that fails once a
 * day is not failed for good after maxRestarts days.
 */
export class RestartStrategy {
  readonly maxRestarts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  readonly resetAfterMs: number;
  private consecutive = 0;
  /** Restarts over the job's life (for status). */
  total = 0;

  constructor(spec: StreamJobSpec["restartStrategy"] = {}) {
    this.maxRestarts = spec.maxRestarts ?? 10;
    this.initialBackoffMs = spec.initialBackoff ? parseDuration(spec.initialBackoff) : 1000;
    this.maxBackoffMs = Math.max(this.initialBackoffMs, spec.maxBackoff ? parseDuration(spec.maxBackoff) : 60_000);
    this.multiplier = spec.multiplier ?? 2;
    this.resetAfterMs = Math.max(60_000, 2 * this.maxBackoffMs);
  }

  /** After a failure of an attempt that ran `ranMs`: the delay before the next, or null to give up. */
  onFailure(ranMs: number): number | null {
    if (ranMs >= this.resetAfterMs) this.consecutive = 0;
    this.consecutive++;
    if (this.consecutive > this.maxRestarts) return null;
    this.total++;
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * this.multiplier ** (this.consecutive - 1));
  }
}
