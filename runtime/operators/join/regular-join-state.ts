import type { Data, Field } from "apache-arrow";
import { hashRows } from "../../kernels/hash.js";
import { toFloat64 } from "../../types/column.js";
import { ColumnStore } from "./column-store.js";
import { GrowableFloat64, GrowableInt32, GrowableUint32, type PairBuffer } from "./growable.js";
import { hashColumns, type RowEquals } from "./keys.js";

/** Stored rows are compacted once the store has grown to this many rows over its last live count. */
const MIN_COMPACT_GROWTH = 4096;

/** Rows of one probe: hashes and (when the join has a time rule) event times, selected by `sel`. */
export interface ProbeRows {
  hashes: Uint32Array;
  times: Float64Array | null;
  sel: Int32Array;
  count: number;
}

/**
 * One input of a regular or interval join: every row kept so far, as Arrow columns with each
 * row's key hash and event time, and a hash index over them that grows with the rows (bucket
 * heads plus a next-row chain, as HashIndex, but appendable). Rows are never deleted one by one:
 * a row whose event time is below `floor` is dead (probes skip it), and dead rows are dropped in
 * bulk by copying the live ones into a fresh store once the store has doubled since the last
 * copy, so pruning costs O(1) per row.
 */
export class JoinState {
  private store: ColumnStore;
  private hashes = new GrowableUint32(256);
  private times = new GrowableFloat64(256);
  private head = new Int32Array(16).fill(-1);
  private next = new GrowableInt32(256);
  /** Rows with an event time below this are dead (-Infinity: none are). */
  private floor = -Infinity;
  /** Rows right after the last compaction: the next one waits until the store doubles. */
  private liveAtCompaction = 0;

  private readonly timed: boolean;

  constructor(
    readonly fields: Field[],
    private readonly keyIndex: number[],
    /** Integer width each key column is hashed at, the same for both sides (see hashWidths). */
    private readonly widths: (32 | 64 | null)[],
    /** The event-time column, when rows carry times (interval joins, regular joins with a state TTL). */
    readonly timeIndex: number | null,
  ) {
    this.timed = timeIndex !== null;
    this.store = new ColumnStore(fields);
  }

  /** Key hashes of rows [0, n) of `cols`, at the widths both sides hash at. */
  hashesOf(cols: Data[], n: number): Uint32Array {
    return hashRows(hashColumns(this.keys(cols), this.widths), n);
  }

  /** Event times of `cols` (null when this side keeps no times). */
  timesOf(cols: Data[]): Float64Array | null {
    return this.timeIndex === null ? null : toFloat64(cols[this.timeIndex]);
  }

  /** Re-buffers rows of a snapshot: they were valid and on time when first added. */
  restoreRows(cols: Data[], n: number): void {
    const sel = new Int32Array(n);
    for (let i = 0; i < n; i++) sel[i] = i;
    this.add(cols, this.hashesOf(cols, n), this.timesOf(cols), sel, n);
  }

  get length(): number {
    return this.store.length;
  }

  /** Zero-copy views of the stored rows' columns (valid until the next append or compaction). */
  columns(): Data[] {
    return this.store.columns();
  }

  keys(cols: Data[]): Data[] {
    return this.keyIndex.map((k) => cols[k]);
  }

  /** The rows as of now, for a snapshot: views that later appends and compactions leave alone. */
  buffers(): { columns: Data[]; length: number; hashes: Uint32Array }[] {
    const length = this.store.length;
    return length === 0 ? [] : [{ columns: [...this.store.columns()], length, hashes: this.hashes.view() }];
  }

  /** Appends rows `sel[0..count)` of `cols`, with their hashes and times (indexed like `cols`). */
  add(cols: Data[], hashes: Uint32Array, times: Float64Array | null, sel: Int32Array, count: number): void {
    if (count === 0) return;
    const base = this.store.length;
    this.store.append(cols, sel, count);
    this.hashes.appendSelected(hashes, sel, count);
    if (this.timed) this.times.appendSelected(times!, sel, count);
    this.next.reserve(base + count);
    this.next.length = base + count;
    if ((base + count) * 2 > this.head.length) this.reindex();
    else this.index(base, base + count);
  }

  /**
   * For every probe row, every live stored row of an equal key whose event time lies in
   * [probe time + lo, probe time + hi]: pushes (probe row, stored row), or with `swap` (stored,
   * probe). `equals(probeRow, storedRow)` compares keys; probe rows are indices into the batch.
   */
  probe(p: ProbeRows, equals: RowEquals, lo: number, hi: number, out: PairBuffer, swap: boolean): void {
    if (this.store.length === 0) return;
    const { head } = this;
    const next = this.next.data;
    const hashes = this.hashes.data;
    const times = this.times.data;
    const mask = head.length - 1;
    const floor = this.floor;
    for (let k = 0; k < p.count; k++) {
      const i = p.sel[k];
      const h = p.hashes[i];
      const t = p.times === null ? 0 : p.times[i];
      const from = Math.max(floor, t + lo);
      const to = t + hi;
      for (let j = head[h & mask]; j >= 0; j = next[j]) {
        if (hashes[j] !== h) continue;
        if (this.timed && !(times[j] >= from && times[j] <= to)) continue;
        if (!equals(i, j)) continue;
        if (swap) out.push(j, i);
        else out.push(i, j);
      }
    }
  }

  /** Rows below `floor` are dead from now on; copies the live rows out once enough have died. */
  prune(floor: number): void {
    if (!this.timed || !(floor > this.floor)) return;
    this.floor = floor;
    const n = this.store.length;
    if (n < 2 * this.liveAtCompaction + MIN_COMPACT_GROWTH) return;
    const times = this.times.data;
    const live = new GrowableInt32(n);
    for (let i = 0; i < n; i++) if (times[i] >= floor) live.push(i);
    this.liveAtCompaction = live.length;
    if (live.length * 4 > n * 3) return; // under a quarter dead: not worth a copy yet
    this.compact(live.view());
  }

  private compact(live: Int32Array): void {
    const cols = this.store.columns();
    const hashes = this.hashes.view();
    const times = this.times.view();
    // The live rows keep their dictionaries (remaps of the inputs' dictionaries stay cached),
    // unless those hold far more strings than the live rows could use: fresh ones drop the rest.
    const dicts = this.store.dictionaries();
    const strings = dicts.reduce((n, d) => n + (d?.size ?? 0), 0);
    this.store = new ColumnStore(this.fields, strings > 2 * live.length + 65_536 ? undefined : dicts);
    this.hashes = new GrowableUint32(Math.max(256, live.length));
    this.times = new GrowableFloat64(Math.max(256, live.length));
    this.next = new GrowableInt32(Math.max(256, live.length));
    this.head = new Int32Array(16).fill(-1);
    this.add(cols, hashes, times, live, live.length);
  }

  /** Rows alive now (for tests and state-size metrics). */
  liveRows(): number {
    if (!this.timed) return this.store.length;
    let n = 0;
    const times = this.times.view();
    for (let i = 0; i < times.length; i++) if (times[i] >= this.floor) n++;
    return n;
  }

  clear(): void {
    this.store = new ColumnStore(this.fields);
    this.hashes = new GrowableUint32(256);
    this.times = new GrowableFloat64(256);
    this.next = new GrowableInt32(256);
    this.head = new Int32Array(16).fill(-1);
    this.floor = -Infinity;
    this.liveAtCompaction = 0;
  }

  /** Rebuilds the bucket heads at twice the rows (chains keep newest first). */
  private reindex(): void {
    let cap = 16;
    while (cap < this.store.length * 2) cap *= 2;
    this.head = new Int32Array(cap).fill(-1);
    this.index(0, this.store.length);
  }

  private index(from: number, to: number): void {
    const { head } = this;
    const next = this.next.data;
    const hashes = this.hashes.data;
    const mask = head.length - 1;
    for (let r = from; r < to; r++) {
      const b = hashes[r] & mask;
      next[r] = head[b];
      head[b] = r;
    }
  }
}
