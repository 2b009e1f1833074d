/**
 * Per-split watermarks with bounded out-of-orderness, as Flink's BoundedOutOfOrderness strategy:
 * a split's watermark is the largest event time seen minus the allowed lateness minus 1 ms, and a
 * source's watermark is the minimum over its splits. A split that produced nothing for
 * `idleTimeoutMs` is left out of the minimum so one quiet Kafka partition cannot stall every
 * window; when all splits are idle the watermark holds where it was.
 */
export class SplitWatermarks {
  private readonly maxTs = new Map<number, number>();
  private readonly lastSeen = new Map<number, number>();
  private readonly ended = new Set<number>();
  private current = Number.NEGATIVE_INFINITY;

  constructor(
    splits: number[],
    private readonly outOfOrdernessMs: number,
    private readonly idleTimeoutMs: number | undefined,
    nowMs: number,
  ) {
    for (const s of splits) {
      this.maxTs.set(s, Number.NEGATIVE_INFINITY);
      this.lastSeen.set(s, nowMs);
    }
  }

  /** Records the largest event time of a batch read from `split`. */
  observe(split: number, maxEventTime: number, nowMs: number): void {
    if (!this.maxTs.has(split)) this.maxTs.set(split, Number.NEGATIVE_INFINITY);
    if (maxEventTime > (this.maxTs.get(split) ?? Number.NEGATIVE_INFINITY)) this.maxTs.set(split, maxEventTime);
    this.lastSeen.set(split, nowMs);
  }

  /** A bounded split has no more data: it no longer holds the watermark back. */
  end(split: number): void {
    this.ended.add(split);
  }

  /** Each split's own watermark (the UI's per-split view); idle: left out of the minimum now. */
  splits(nowMs: number): { split: number; watermark: number; idle: boolean }[] {
    return [...this.maxTs].map(([split, ts]) => ({
      split,
      watermark: ts - this.outOfOrdernessMs - 1,
      idle: this.ended.has(split) || this.isIdle(split, nowMs),
    }));
  }

  private isIdle(split: number, nowMs: number): boolean {
    return this.idleTimeoutMs !== undefined && nowMs - (this.lastSeen.get(split) ?? nowMs) > this.idleTimeoutMs;
  }

  /** The watermark now; never moves backwards. +Infinity once every split has ended. */
  watermark(nowMs: number): number {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const [split, ts] of this.maxTs) {
      if (this.ended.has(split)) continue;
      if (this.isIdle(split, nowMs)) continue;
      active++;
      const wm = ts - this.outOfOrdernessMs - 1;
      if (wm < min) min = wm;
    }
    const allEnded = this.ended.size >= this.maxTs.size;
    if (allEnded) this.current = Number.POSITIVE_INFINITY;
    else if (active > 0 && min > this.current) this.current = min;
    return this.current;
  }
}

/** Largest value of an event-time column in a batch (NaN-free; nulls are skipped by the caller). */
export function maxOf(values: Float64Array, valid: Uint8Array | null): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if ((!valid || valid[i]) && values[i] > m) m = values[i];
  return m;
}
