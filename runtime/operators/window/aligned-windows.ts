import { grownI32, type SlotStore } from "./slots.js";

/**
 * Tumbling (slide = size) and sliding windows: windows [k·slide, k·slide + size) aligned to the
 * epoch. A row at time t belongs to every window whose start is a multiple of `slide` in
 * (t - size, t]: at most ceil(size / slide) of them, visited one "pass" at a time so each pass
 * gives every row at most one slot and the accumulators update vectorized per pass.
 *
 * Each open window keeps a dense group → slot array (no hashing per row) and the list of its
 * slots in creation order, which is also its output order.
 */
interface OpenWindow {
  start: number;
  end: number;
  byGroup: Int32Array; // slot per group id, -1 when the group has no row in this window
  slots: Int32Array;
  count: number;
}

export class AlignedWindows {
  readonly passes: number;
  private readonly open = new Map<number, OpenWindow>();

  constructor(
    readonly size: number,
    readonly slide: number,
  ) {
    this.passes = Math.ceil(size / slide);
  }

  /**
   * Pass `pass`: out[i] = the slot of row i's pass-th window (counting back from the latest), or
   * -1 when there is none, its time is null, or the window already fired (end <= watermark).
   * Sets accepted[i] for rows that got a slot.
   */
  assign(
    pass: number,
    times: Float64Array,
    timeValid: Uint8Array | null,
    groups: Int32Array,
    groupCount: number,
    n: number,
    watermark: number,
    slots: SlotStore,
    out: Int32Array,
    accepted: Uint8Array,
  ): void {
    const { size, slide } = this;
    let cachedStart = Number.NaN;
    let w: OpenWindow | null = null;
    for (let i = 0; i < n; i++) {
      if (timeValid !== null && timeValid[i] === 0) {
        out[i] = -1;
        continue;
      }
      const t = times[i];
      const start = Math.floor(t / slide) * slide - pass * slide;
      const end = start + size;
      if (end <= t || end <= watermark) {
        out[i] = -1;
        continue;
      }
      if (start !== cachedStart) {
        w = this.window(start, end, groupCount);
        cachedStart = start;
      }
      const g = groups[i];
      let s = w!.byGroup[g];
      if (s < 0) {
        s = slots.alloc(g, start, end);
        w!.byGroup[g] = s;
        if (w!.count === w!.slots.length) w!.slots = grownI32(w!.slots, w!.count * 2);
        w!.slots[w!.count++] = s;
      }
      out[i] = s;
      accepted[i] = 1;
    }
  }

  /** The slot of (group, window start), created if absent (restoring checkpoints). */
  slotFor(group: number, groupCount: number, start: number, slots: SlotStore): number {
    const w = this.window(start, start + this.size, groupCount);
    let s = w.byGroup[group];
    if (s < 0) {
      s = slots.alloc(group, start, start + this.size);
      w.byGroup[group] = s;
      if (w.count === w.slots.length) w.slots = grownI32(w.slots, w.count * 2);
      w.slots[w.count++] = s;
    }
    return s;
  }

  private window(start: number, end: number, groupCount: number): OpenWindow {
    let w = this.open.get(start);
    if (!w) {
      w = {
        start,
        end,
        byGroup: new Int32Array(capacityFor(groupCount)).fill(-1),
        slots: new Int32Array(64),
        count: 0,
      };
      this.open.set(start, w);
    } else if (w.byGroup.length < groupCount) {
      w.byGroup = grownI32(w.byGroup, capacityFor(groupCount), -1);
    }
    return w;
  }

  /** Slots of every window with end <= watermark, windows in time order; those windows close. */
  fire(watermark: number): Int32Array {
    const due = [...this.open.values()].filter((w) => w.end <= watermark).sort((a, b) => a.start - b.start);
    let total = 0;
    for (const w of due) total += w.count;
    const out = new Int32Array(total);
    let k = 0;
    for (const w of due) {
      out.set(w.slots.subarray(0, w.count), k);
      k += w.count;
      this.open.delete(w.start);
    }
    return out;
  }

  /** Renumbers groups after the key table was compacted (slots already hold new group ids). */
  remapGroups(groupCount: number, slots: SlotStore): void {
    for (const w of this.open.values()) {
      w.byGroup = new Int32Array(capacityFor(groupCount)).fill(-1);
      for (let k = 0; k < w.count; k++) w.byGroup[slots.group[w.slots[k]]] = w.slots[k];
    }
  }

  get openWindows(): number {
    return this.open.size;
  }
}

function capacityFor(groupCount: number): number {
  let c = 64;
  while (c < groupCount) c *= 2;
  return c;
}
