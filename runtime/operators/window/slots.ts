import type { Accumulator } from "./accumulator.js";

/**
 * Slots: one per (key group id, window) pair with state. A slot id indexes every accumulator's
 * typed arrays; this store holds the slot's group, its window bounds and a `next` link (sessions
 * chain a key's sessions through it). Freed ids are reused, so state arrays stay as large as the
 * peak number of open windows, not the number ever opened.
 */
export class SlotStore {
  group: Int32Array = new Int32Array(0); // -1 when the slot is free
  start: Float64Array = new Float64Array(0);
  end: Float64Array = new Float64Array(0);
  next: Int32Array = new Int32Array(0);
  /** Open slots per group, so groups without any can be dropped from the key table. */
  perGroup: Int32Array = new Int32Array(0);
  liveGroups = 0;
  private freeIds: Int32Array = new Int32Array(0);
  private freeCount = 0;
  private used = 0; // ids below this have been handed out at least once
  private live = 0;

  constructor(private readonly accumulators: readonly Accumulator[]) {
    this.grow(1024);
  }

  get size(): number {
    return this.live;
  }
  /** One past the highest slot id in use; scans loop to here. */
  get highWater(): number {
    return this.used;
  }

  alloc(group: number, start: number, end: number): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.freeIds[--this.freeCount];
    else {
      if (this.used === this.group.length) this.grow(this.used * 2);
      slot = this.used++;
    }
    this.group[slot] = group;
    this.start[slot] = start;
    this.end[slot] = end;
    this.next[slot] = -1;
    this.live++;
    if (group >= this.perGroup.length) this.perGroup = grownI32(this.perGroup, Math.max(1024, (group + 1) * 2));
    if (this.perGroup[group]++ === 0) this.liveGroups++;
    for (const a of this.accumulators) a.reset(slot);
    return slot;
  }

  free(slot: number): void {
    for (const a of this.accumulators) a.release(slot);
    if (--this.perGroup[this.group[slot]] === 0) this.liveGroups--;
    this.group[slot] = -1;
    this.freeIds[this.freeCount++] = slot;
    this.live--;
  }

  /** Ids of every open slot, ascending. */
  liveSlots(): Int32Array {
    const out = new Int32Array(this.live);
    let k = 0;
    for (let s = 0; s < this.used; s++) if (this.group[s] >= 0) out[k++] = s;
    return out;
  }

  /** Renumbers groups after the key table dropped groups without slots (remap: old → new). */
  remapGroups(remap: Int32Array, groupCount: number): void {
    for (let s = 0; s < this.used; s++) if (this.group[s] >= 0) this.group[s] = remap[this.group[s]];
    const per = new Int32Array(Math.max(1024, groupCount * 2));
    for (let g = 0; g < remap.length; g++) if (remap[g] >= 0) per[remap[g]] = this.perGroup[g];
    this.perGroup = per;
  }

  private grow(capacity: number): void {
    this.group = grownI32(this.group, capacity, -1);
    this.start = grownF64(this.start, capacity);
    this.end = grownF64(this.end, capacity);
    this.next = grownI32(this.next, capacity, -1);
    this.freeIds = grownI32(this.freeIds, capacity);
    for (const a of this.accumulators) a.grow(capacity);
  }
}

export function grownI32(a: Int32Array, capacity: number, fill = 0): Int32Array {
  if (a.length >= capacity) return a;
  const b = new Int32Array(capacity);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

function grownF64(a: Float64Array, capacity: number): Float64Array {
  if (a.length >= capacity) return a;
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
