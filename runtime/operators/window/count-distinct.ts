import { type Data, Field, Int64, List, makeData } from "apache-arrow";
import { copyWith } from "../../state/freeze.js";
import { KeyTable } from "../../state/key-table.js";
import { int64Data } from "../../types/builders.js";
import { validityBytes } from "../../types/column.js";
import type { Accumulator, BatchInput, FrozenState } from "./accumulator.js";
import type { AggregateSpec } from "./aggregate-spec.js";

/**
 * count(distinct x). Values are interned into a KeyTable (so strings are compared as bytes and
 * never decoded, and int64 compares exactly), and each slot keeps a Set of value ids.
 *
 * Memory: a JS Set costs roughly 40-60 bytes per member plus ~100 bytes per slot, on top of the
 * interned value (8-16 bytes plus string bytes) — so a window with a million distinct values per
 * key costs ~60 MB. The interning table is compacted after windows fire once it holds far more
 * values than the live sets refer to.
 */
export class CountDistinctAccumulator implements Accumulator {
  readonly outputField: Field;
  readonly stateFields: Field[];
  private sets: (Set<number> | null)[] = [];
  private readonly interned: KeyTable;
  private lastInput: BatchInput | null = null;
  private lastIds: Int32Array = new Int32Array(0);
  private compactedAt = 0;

  constructor(
    readonly spec: AggregateSpec,
    input: Field,
  ) {
    this.interned = new KeyTable([input], 1);
    this.outputField = new Field(spec.name, new Int64(), false);
    const plain = this.interned.snapshotFields()[0];
    this.stateFields = [new Field(`${spec.name}.values`, new List(new Field("item", plain.type, true)), false)];
  }
  grow(capacity: number): void {
    while (this.sets.length < capacity) this.sets.push(null);
  }
  reset(slot: number): void {
    this.sets[slot] = null;
  }
  release(slot: number): void {
    this.sets[slot] = null;
  }
  update(input: BatchInput, rowSlots: Int32Array, n: number): void {
    // Sliding windows update once per window pass: intern the batch once.
    if (this.lastInput !== input) {
      this.lastIds = this.interned.insert([input.column(this.spec.column)], n);
      this.lastInput = input;
    }
    this.add(this.lastIds, input.validityOf(this.spec.column), rowSlots, n);
  }
  private add(ids: Int32Array, valid: Uint8Array | null, rowSlots: Int32Array, n: number): void {
    const sets = this.sets;
    for (let i = 0; i < n; i++) {
      const s = rowSlots[i];
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      let set = sets[s];
      if (set === null) sets[s] = set = new Set();
      set.add(ids[i]);
    }
  }
  merge(dst: number, src: number): void {
    const from = this.sets[src];
    if (from === null) return;
    const to = this.sets[dst];
    if (to === null) this.sets[dst] = from;
    else for (const v of from) to.add(v);
    this.sets[src] = null;
  }
  output(slots: Int32Array, count: number): Data {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.sets[slots[i]]?.size ?? 0;
    return int64Data(out);
  }
  /** Sets change in place: the live slots' sets are copied, and the interned values frozen. */
  freeze(live: Int32Array): FrozenState {
    const sets: (Set<number> | null)[] = [];
    for (const slot of live) sets[slot] = this.sets[slot] ? new Set(this.sets[slot]) : null;
    return copyWith(this, { sets, interned: this.interned.freeze() });
  }
  stateColumns(slots: Int32Array, count: number): Data[] {
    const offsets = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i] + (this.sets[slots[i]]?.size ?? 0);
    const ids = new Int32Array(offsets[count]);
    for (let i = 0; i < count; i++) {
      let j = offsets[i];
      for (const v of this.sets[slots[i]] ?? []) ids[j++] = v;
    }
    const child = this.interned.keyColumns(ids, ids.length, true)[0];
    const type = this.stateFields[0].type as List;
    return [makeData({ type, length: count, nullCount: 0, valueOffsets: offsets, child })];
  }
  restore(columns: Data[], rowSlots: Int32Array, n: number): void {
    const list = columns[0];
    const offsets = list.valueOffsets as Int32Array;
    const child = list.children[0];
    const start = offsets[0];
    const values = start === 0 && child.length === offsets[n] ? child : child.slice(start, offsets[n] - start);
    const ids = this.interned.insert([values], values.length);
    const valid = validityBytes(values);
    const perValue = new Int32Array(values.length);
    for (let i = 0; i < n; i++) perValue.fill(rowSlots[i], offsets[i] - start, offsets[i + 1] - start);
    this.add(ids, valid, perValue, values.length);
  }
  afterFire(liveSlots: () => Int32Array): void {
    this.lastInput = null; // the cached ids may be renumbered below
    const size = this.interned.size;
    if (size < 65536 || size < 2 * this.compactedAt) return;
    const live = liveSlots();
    const keep = new Uint8Array(size);
    let refs = 0;
    for (const slot of live) {
      const set = this.sets[slot];
      if (set === null) continue;
      for (const v of set) keep[v] = 1;
      refs += set.size;
    }
    if (refs * 4 > size) {
      this.compactedAt = size;
      return;
    }
    const remap = this.interned.compact(keep);
    for (const slot of live) {
      const set = this.sets[slot];
      if (set === null) continue;
      const renumbered = new Set<number>();
      for (const v of set) renumbered.add(remap[v]);
      this.sets[slot] = renumbered;
    }
    this.compactedAt = this.interned.size;
  }
}
