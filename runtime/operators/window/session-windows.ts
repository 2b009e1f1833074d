import type { Accumulator } from "./accumulator.js";
import { grownI32, type SlotStore } from "./slots.js";

/**
 * Session windows: a row at t opens [t, t + gap); sessions of one key that intersect or touch
 * (a.start <= b.end && b.start <= a.end, as in Flink) merge into one. A key's open sessions are a
 * linked list of slots (SlotStore.next) from head[group]; keys rarely have more than a few.
 *
 * A row is late when its own [t, t + gap) ended at or before the watermark and it touches no open
 * session of its key; a late-looking row that does touch one (its end is after the watermark) is
 * merged in, and may bridge two sessions into one.
 *
 * Firing scans the open sessions, but only when the watermark reaches a lower bound of their ends
 * (`minEnd`); with many open sessions and frequent watermarks that scan is the main cost (a
 * bucketed timer wheel measured slower on Nexmark-like data, so the scan stays).
 *
 * Rows are assigned before accumulators update (vectorized, after the pass): a session merged
 * away during the pass is recorded in `redirect` and its id is not reused until `finishBatch`, so
 * rows that were given it earlier in the batch are moved to the surviving session.
 */
export class SessionWindows {
  private head: Int32Array = new Int32Array(0);
  private redirect: Int32Array = new Int32Array(0);
  private merged: number[] = [];
  /** A lower bound of the open sessions' ends: no session can fire below it. */
  private minEnd = Number.POSITIVE_INFINITY;

  constructor(
    readonly gap: number,
    private readonly slots: SlotStore,
    private readonly accumulators: readonly Accumulator[],
  ) {}

  /** out[i] = row i's session slot, or -1 when its time is null or it is late. */
  assign(
    times: Float64Array,
    timeValid: Uint8Array | null,
    groups: Int32Array,
    groupCount: number,
    n: number,
    watermark: number,
    out: Int32Array,
  ): void {
    this.ensureGroups(groupCount);
    for (let i = 0; i < n; i++) {
      if (timeValid !== null && timeValid[i] === 0) {
        out[i] = -1;
        continue;
      }
      const t = times[i];
      out[i] = this.add(groups[i], t, t + this.gap, watermark);
    }
    this.resolve(out, n);
  }

  /** Restores checkpointed sessions [starts[i], ends[i]) of groups[i]; out as in `assign`. */
  assignIntervals(
    groups: Int32Array,
    starts: Float64Array,
    ends: Float64Array,
    groupCount: number,
    n: number,
    out: Int32Array,
  ): void {
    this.ensureGroups(groupCount);
    for (let i = 0; i < n; i++) out[i] = this.add(groups[i], starts[i], ends[i], Number.NEGATIVE_INFINITY);
    this.resolve(out, n);
  }

  /** Moves rows given a session that was merged away later in the batch to the survivor. */
  private resolve(out: Int32Array, n: number): void {
    if (this.merged.length === 0) return;
    if (this.redirect.length < this.slots.highWater)
      this.redirect = grownI32(this.redirect, this.slots.highWater * 2, -1);
    for (let i = 0; i < n; i++) {
      let s = out[i];
      if (s < 0) continue;
      while (this.redirect[s] >= 0) s = this.redirect[s];
      out[i] = s;
    }
  }

  /** Frees the sessions merged away in the last batch (after the accumulators updated). */
  finishBatch(): void {
    for (const s of this.merged) {
      this.redirect[s] = -1;
      this.slots.free(s);
    }
    this.merged.length = 0;
  }

  /**
   * Adds [lo, hi) to group g's sessions, merging every session it touches; returns the slot, or
   * -1 when it touches none and hi <= watermark (late).
   */
  add(g: number, lo: number, hi: number, watermark: number): number {
    const { slots } = this;
    const { start, end, next } = slots;
    let target = -1;
    let prev = -1;
    let cur = this.head[g];
    while (cur >= 0) {
      const after = next[cur];
      if (start[cur] <= hi && lo <= end[cur]) {
        if (target < 0) {
          target = cur;
          prev = cur;
        } else {
          for (const a of this.accumulators) a.merge(target, cur);
          if (start[cur] < start[target]) start[target] = start[cur];
          if (end[cur] > end[target]) end[target] = end[cur];
          if (prev < 0) this.head[g] = after;
          else next[prev] = after;
          this.retire(cur, target);
        }
      } else prev = cur;
      cur = after;
    }
    if (target < 0) {
      if (hi <= watermark) return -1;
      target = slots.alloc(g, lo, hi);
      slots.next[target] = this.head[g]; // alloc may have grown the arrays: no cached `next` here
      this.head[g] = target;
      if (hi < this.minEnd) this.minEnd = hi;
      return target;
    }
    if (lo < start[target]) start[target] = lo;
    if (hi > end[target]) end[target] = hi;
    return target;
  }

  private retire(slot: number, into: number): void {
    if (this.redirect.length <= slot) this.redirect = grownI32(this.redirect, Math.max(1024, (slot + 1) * 2), -1);
    this.redirect[slot] = into;
    this.merged.push(slot);
  }

  private ensureGroups(groupCount: number): void {
    if (this.head.length < groupCount) this.head = grownI32(this.head, Math.max(1024, groupCount * 2), -1);
  }

  /** Slots of every session with end <= watermark, by end; those sessions close. */
  fire(watermark: number): Int32Array {
    if (watermark < this.minEnd) return new Int32Array(0);
    const { group, end, next } = this.slots;
    const due: number[] = [];
    let minEnd = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.slots.highWater; s++) {
      if (group[s] < 0) continue;
      if (end[s] <= watermark) due.push(s);
      else if (end[s] < minEnd) minEnd = end[s];
    }
    this.minEnd = minEnd;
    for (const s of due) {
      // Unlink from the key's list; lists are short, so walking them is cheap.
      const g = group[s];
      if (this.head[g] === s) this.head[g] = next[s];
      else {
        let p = this.head[g];
        while (next[p] !== s) p = next[p];
        next[p] = next[s];
      }
    }
    return sortByEnd(Int32Array.from(due), end);
  }

  /** Rebuilds the per-key lists after the key table was compacted (slots hold new group ids). */
  remapGroups(groupCount: number): void {
    this.head = new Int32Array(Math.max(1024, groupCount * 2)).fill(-1);
    const { group, next } = this.slots;
    for (let s = 0; s < this.slots.highWater; s++) {
      if (group[s] < 0) continue;
      next[s] = this.head[group[s]];
      this.head[group[s]] = s;
    }
  }
}

const SHIFT = 4_194_304; // 2^22

/**
 * Slots ordered by window end (ties by slot id). Ends are integer millis, so (end - min) · 2^22 +
 * position packs into an exact float64 and the native numeric sort does the work: several times
 * faster than a comparator sort when many sessions close at once.
 */
function sortByEnd(due: Int32Array, end: Float64Array): Int32Array {
  const m = due.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < m; i++) {
    const e = end[due[i]];
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  if (m > SHIFT || (hi - lo + 1) * SHIFT > Number.MAX_SAFE_INTEGER) return due.sort((a, b) => end[a] - end[b] || a - b);
  const keys = new Float64Array(m);
  for (let i = 0; i < m; i++) keys[i] = (end[due[i]] - lo) * SHIFT + i;
  keys.sort();
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = due[keys[i] % SHIFT];
  return out;
}
