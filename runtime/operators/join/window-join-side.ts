import type { Data, Field } from "apache-arrow";
import { hashRows } from "../../kernels/hash.js";
import { concatData } from "../../kernels/take.js";
import { toFloat64, validityBytes } from "../../types/column.js";
import { ColumnStore } from "./column-store.js";
import { GrowableInt32, GrowableUint32 } from "./growable.js";
import { hashColumns } from "./keys.js";
import type { Panes } from "./panes.js";
import type { SharedDictionary } from "./shared-dictionary.js";

/** The rows of one side that fall in one pane, with their key hashes. */
export interface Pane {
  store: ColumnStore;
  hashes: GrowableUint32;
}

/** One side's rows of a window: columns from row 0, one hash per row. */
export interface WindowRows {
  columns: Data[];
  hashes: Uint32Array;
  length: number;
}

/** Counting sort is used when a batch's panes span at most this many pane lengths. */
const MAX_PANE_SPAN = 1 << 16;

/**
 * One input of a windowed join: buffers rows per pane as Arrow columns plus key hashes. Rows with
 * a null key or null event time are dropped on arrival (SQL: a null key equals nothing).
 */
export class JoinSide {
  readonly panes = new Map<number, Pane>();
  private dicts: (SharedDictionary | null)[];

  constructor(
    readonly fields: Field[],
    private readonly timeIndex: number,
    private readonly keyIndex: number[],
    private readonly widths: (32 | 64 | null)[],
    private readonly windows: Panes,
  ) {
    this.dicts = new ColumnStore(fields).dictionaries();
  }

  /** Key hashes of rows (integer keys brought to the width both sides hash at). */
  hashes(cols: Data[], n: number): Uint32Array {
    return hashRows(
      hashColumns(
        this.keyIndex.map((k) => cols[k]),
        this.widths,
      ),
      n,
    );
  }

  /** Key columns of buffered rows. */
  keys(cols: Data[]): Data[] {
    return this.keyIndex.map((k) => cols[k]);
  }

  /** Buffers rows [0, n) of `cols`; returns how many were late (every window of theirs has fired). */
  add(cols: Data[], n: number, watermark: number): number {
    if (n === 0) return 0;
    const hashes = this.hashes(cols, n);
    const time = toFloat64(cols[this.timeIndex]);
    const ok = this.validRows(cols, time, n);
    const len = this.windows.length;
    const paneNo = new Float64Array(n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (ok && !ok[i]) continue;
      const p = Math.floor(time[i] / len);
      paneNo[i] = p;
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    if (lo === Infinity) return 0;
    if (ok === null && lo === hi) return this.addToPane(lo * len, cols, hashes, null, n, watermark);
    let late = 0;
    if (hi - lo < MAX_PANE_SPAN) {
      // Counting sort of row indices by pane: one pass to count, one to place.
      const span = hi - lo + 1;
      const start = new Int32Array(span + 1);
      for (let i = 0; i < n; i++) if (!ok || ok[i]) start[paneNo[i] - lo + 1]++;
      for (let b = 0; b < span; b++) start[b + 1] += start[b];
      const sorted = new Int32Array(start[span]);
      const fill = start.slice(0, span);
      for (let i = 0; i < n; i++) if (!ok || ok[i]) sorted[fill[paneNo[i] - lo]++] = i;
      for (let b = 0; b < span; b++) {
        const count = start[b + 1] - start[b];
        if (count > 0)
          late += this.addToPane(
            (lo + b) * len,
            cols,
            hashes,
            sorted.subarray(start[b], start[b + 1]),
            count,
            watermark,
          );
      }
      return late;
    }
    // Rows spread over a huge time range: group by pane through a Map (a few entries per pane).
    const groups = new Map<number, GrowableInt32>();
    for (let i = 0; i < n; i++) {
      if (ok && !ok[i]) continue;
      let g = groups.get(paneNo[i]);
      if (!g) groups.set(paneNo[i], (g = new GrowableInt32(64)));
      g.push(i);
    }
    for (const [p, g] of groups) late += this.addToPane(p * len, cols, hashes, g.view(), g.length, watermark);
    return late;
  }

  /** Rows with a valid time and all keys valid (null when all rows are). */
  private validRows(cols: Data[], time: Float64Array, n: number): Uint8Array | null {
    let ok: Uint8Array | null = null;
    for (const k of [this.timeIndex, ...this.keyIndex]) {
      const v = validityBytes(cols[k]);
      if (!v) continue;
      if (!ok) ok = v;
      else for (let i = 0; i < n; i++) ok[i] &= v[i];
    }
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(time[i])) {
        ok ??= new Uint8Array(n).fill(1);
        ok[i] = 0;
      }
    }
    return ok;
  }

  private addToPane(
    p: number,
    cols: Data[],
    hashes: Uint32Array,
    sel: Int32Array | null,
    count: number,
    watermark: number,
  ): number {
    const end = this.windows.lastWindowEnd(p);
    if (end <= p) return 0; // between two sliding windows (slide > size): in no window
    if (end <= watermark) return count;
    let pane = this.panes.get(p);
    if (!pane) {
      pane = { store: new ColumnStore(this.fields, this.dicts), hashes: new GrowableUint32(256) };
      this.panes.set(p, pane);
    }
    pane.store.append(cols, sel, count);
    pane.hashes.appendSelected(hashes, sel, count);
    return 0;
  }

  /** The buffered rows of window [start, end), or null when there are none. */
  window(start: number, end: number): WindowRows | null {
    const parts: Pane[] = [];
    const len = this.windows.length;
    if ((end - start) / len <= this.panes.size) {
      for (let p = start; p < end; p += len) {
        const pane = this.panes.get(p);
        if (pane && pane.store.length > 0) parts.push(pane);
      }
    } else {
      const keys = [...this.panes.keys()].filter((p) => p >= start && p < end).sort((a, b) => a - b);
      for (const p of keys) parts.push(this.panes.get(p)!);
    }
    if (parts.length === 0) return null;
    if (parts.length === 1) {
      const { store, hashes } = parts[0];
      return { columns: store.columns(), hashes: hashes.view(), length: store.length };
    }
    // Panes of one side share dictionaries, so their columns concatenate.
    const columns = this.fields.map((_, c) => concatData(parts.map((p) => p.store.columns()[c])));
    const length = parts.reduce((s, p) => s + p.store.length, 0);
    const hashes = new Uint32Array(length);
    let at = 0;
    for (const p of parts) {
      hashes.set(p.hashes.view(), at);
      at += p.store.length;
    }
    return { columns, hashes, length };
  }

  /** Drops panes whose windows have all fired; re-packs shared dictionaries that outgrew the rows. */
  evict(watermark: number): void {
    let rows = 0;
    for (const [p, pane] of this.panes) {
      if (this.windows.lastWindowEnd(p) <= watermark) this.panes.delete(p);
      else rows += pane.store.length;
    }
    const dictSize = this.dicts.reduce((s, d) => s + (d?.size ?? 0), 0);
    if (dictSize > 0 && dictSize > 2 * rows + 4096) this.repack();
  }

  /** Copies every pane into stores with fresh dictionaries holding only the strings still used. */
  private repack(): void {
    this.dicts = new ColumnStore(this.fields).dictionaries();
    for (const pane of this.panes.values()) {
      const store = new ColumnStore(this.fields, this.dicts);
      store.append(pane.store.columns(), null, pane.store.length);
      pane.store = store;
    }
  }

  /** The panes' rows as of now (for a snapshot: views later appends leave alone). */
  buffers(): { columns: Data[]; length: number; hashes: Uint32Array }[] {
    return [...this.panes.values()].map((p) => ({
      columns: [...p.store.columns()],
      length: p.store.length,
      hashes: p.hashes.view(),
    }));
  }

  /** Re-buffers restored rows: those of windows that have fired are dropped, as on arrival. */
  restoreRows(cols: Data[], n: number, watermark: number): void {
    this.add(cols, n, watermark);
  }

  rowCount(): number {
    let n = 0;
    for (const pane of this.panes.values()) n += pane.store.length;
    return n;
  }

  clear(): void {
    this.panes.clear();
    this.dicts = new ColumnStore(this.fields).dictionaries();
  }
}
