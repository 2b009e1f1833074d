import { type Data, type Field, type RecordBatch, Schema } from "apache-arrow";
import { hashRows, keyGroups } from "../../kernels/hash.js";
import { takeData } from "../../kernels/take.js";
import { makeBatch, validityBytes } from "../../types/column.js";
import { ColumnStore } from "./column-store.js";
import { GrowableInt32, GrowableUint32 } from "./growable.js";
import { keyEquals, type RowEquals } from "./keys.js";

/**
 * The latest row per key of a compacted topic, for lookup joins. Rows live in an append-only
 * ColumnStore ("slots"); an upsert appends the new row and retires the old slot, a tombstone (all
 * non-key columns null) retires it, and the live slots are found through a chained hash index
 * (bucket heads + next-slot links in Int32Arrays). When retired slots outnumber live ones the store
 * is rewritten with the live rows only.
 */
export class LookupTable {
  private store: ColumnStore;
  private hashes = new GrowableUint32();
  private alive = new Uint8Array(1024);
  private next = new GrowableInt32();
  private head = new Int32Array(1024).fill(-1);
  private mask = 1023;
  private live = 0;
  private dead = 0;

  constructor(
    readonly fields: Field[],
    private readonly keyIndex: number[],
  ) {
    this.store = new ColumnStore(fields);
  }

  get size(): number {
    return this.live;
  }

  /** Applies table rows in order: later rows of a key replace earlier ones; tombstones delete. */
  apply(cols: Data[], n: number): void {
    if (n === 0) return;
    const keyCols = this.keyIndex.map((k) => cols[k]);
    let ok: Uint8Array | null = null;
    for (const c of keyCols) {
      const v = validityBytes(c);
      if (v) ok = ok ? ok.map((x, i) => x & v[i]) : v;
    }
    // A null key can never be looked up (null equals nothing): such rows are skipped.
    let sel: Int32Array | null = null;
    let count = n;
    if (ok) {
      sel = new Int32Array(n);
      count = 0;
      for (let i = 0; i < n; i++) if (ok[i]) sel[count++] = i;
    }
    if (count === 0) return;
    const tomb = this.tombstones(cols, n);
    const hashes = hashRows(keyCols, n);
    const base = this.store.length;
    this.store.append(cols, sel, count);
    this.hashes.appendSelected(hashes, sel, count);
    this.reserveSlots(base + count);
    const keys = this.keyIndex.map((k) => this.store.columns()[k]);
    const eq = keyEquals(keys, keys);
    const h = this.hashes.data;
    for (let k = 0; k < count; k++) {
      const s = base + k;
      const old = this.find(h[s], s, eq);
      if (old >= 0) this.retire(old);
      if (tomb?.[sel === null ? k : sel[k]]) {
        this.dead++;
      } else {
        this.link(s);
        this.alive[s] = 1;
        this.live++;
      }
    }
    if (this.dead > 1024 && this.dead > this.live) this.compact();
  }

  /** The live slot of each row's key (-1 when absent or the key is null); `eq(row, slot)`. */
  lookup(hashes: Uint32Array, valid: Uint8Array | null, n: number, eq: RowEquals): Int32Array {
    const out = new Int32Array(n);
    const { head, mask } = this;
    const next = this.next.data;
    const h = this.hashes.data;
    for (let i = 0; i < n; i++) {
      let found = -1;
      if (valid === null || valid[i]) {
        const x = hashes[i];
        for (let s = head[x & mask]; s >= 0; s = next[s]) {
          if (h[s] === x && eq(i, s)) {
            found = s;
            break;
          }
        }
      }
      out[i] = found;
    }
    return out;
  }

  /** Views of the stored rows (indexed by slot). */
  columns(): Data[] {
    return this.store.columns();
  }

  keyColumns(): Data[] {
    const cols = this.store.columns();
    return this.keyIndex.map((k) => cols[k]);
  }

  /**
   * Live rows grouped by key group (hash of the table key modulo maxParallelism). Which rows is
   * decided now; their columns are gathered when the checkpoint writes each group (the store is
   * append-only and compaction replaces it, so the views taken here stay as they are).
   */
  snapshot(maxParallelism: number): Map<number, () => RecordBatch> {
    const slots = this.liveSlots();
    const groups = keyGroups(this.hashes.view(), maxParallelism);
    const bySlot = new Map<number, GrowableInt32>();
    for (const s of slots) {
      const g = groups[s];
      let list = bySlot.get(g);
      if (!list) bySlot.set(g, (list = new GrowableInt32(64)));
      list.push(s);
    }
    const schema = new Schema(this.fields);
    const cols = this.store.columns();
    const out = new Map<number, () => RecordBatch>();
    for (const g of [...bySlot.keys()].sort((a, b) => a - b)) {
      const list = bySlot.get(g)!;
      out.set(g, () =>
        makeBatch(
          schema,
          cols.map((c) => takeData(c, list.data, list.length)),
          list.length,
        ),
      );
    }
    return out;
  }

  clear(): void {
    this.store = new ColumnStore(this.fields);
    this.hashes = new GrowableUint32();
    this.alive = new Uint8Array(1024);
    this.next = new GrowableInt32();
    this.head = new Int32Array(1024).fill(-1);
    this.mask = 1023;
    this.live = 0;
    this.dead = 0;
  }

  private tombstones(cols: Data[], n: number): Uint8Array | null {
    const values = cols.filter((_, i) => !this.keyIndex.includes(i));
    // A table of key columns only has no tombstones: every row just states that its key exists.
    if (values.length === 0) return null;
    const tomb = new Uint8Array(n).fill(1);
    for (const c of values) {
      const v = validityBytes(c);
      if (!v) return null;
      for (let i = 0; i < n; i++) tomb[i] &= v[i] ^ 1;
    }
    return tomb;
  }

  private find(hash: number, slot: number, eq: RowEquals): number {
    const next = this.next.data;
    const h = this.hashes.data;
    for (let s = this.head[hash & this.mask]; s >= 0; s = next[s]) if (h[s] === hash && eq(slot, s)) return s;
    return -1;
  }

  private link(s: number): void {
    if (this.live + 1 > (this.mask + 1) >> 1) this.rehash((this.mask + 1) * 2);
    const b = this.hashes.data[s] & this.mask;
    this.next.data[s] = this.head[b];
    this.head[b] = s;
  }

  private retire(s: number): void {
    const b = this.hashes.data[s] & this.mask;
    const next = this.next.data;
    if (this.head[b] === s) this.head[b] = next[s];
    else {
      let p = this.head[b];
      while (next[p] !== s) p = next[p];
      next[p] = next[s];
    }
    this.alive[s] = 0;
    this.live--;
    this.dead++;
  }

  private reserveSlots(n: number): void {
    this.next.reserve(n);
    this.next.length = n;
    if (n > this.alive.length) {
      const a = new Uint8Array(Math.max(n, this.alive.length * 2));
      a.set(this.alive);
      this.alive = a;
    }
  }

  private rehash(capacity: number): void {
    this.mask = capacity - 1;
    this.head = new Int32Array(capacity).fill(-1);
    const next = this.next.data;
    const h = this.hashes.data;
    for (let s = this.store.length - 1; s >= 0; s--) {
      if (!this.alive[s]) continue;
      const b = h[s] & this.mask;
      next[s] = this.head[b];
      this.head[b] = s;
    }
  }

  private liveSlots(): Int32Array {
    const out = new Int32Array(this.live);
    for (let s = 0, k = 0; s < this.store.length; s++) if (this.alive[s]) out[k++] = s;
    return out;
  }

  /** Rewrites the store with live rows only (and dictionaries holding only their strings). */
  private compact(): void {
    const slots = this.liveSlots();
    const cols = this.store.columns();
    const hashes = this.hashes.data;
    const store = new ColumnStore(this.fields);
    store.append(cols, slots, slots.length);
    const fresh = new GrowableUint32(Math.max(1024, slots.length));
    fresh.appendSelected(hashes, slots, slots.length);
    this.store = store;
    this.hashes = fresh;
    this.alive = new Uint8Array(Math.max(1024, slots.length)).fill(1, 0, slots.length);
    this.next = new GrowableInt32(Math.max(1024, slots.length));
    this.next.length = slots.length;
    this.dead = 0;
    let cap = 1024;
    while (cap < slots.length * 2) cap *= 2;
    this.rehash(cap);
  }
}
