import { type Data, DataType, Field, Utf8 } from "apache-arrow";
import { copyWith } from "../../state/freeze.js";
import { utf8DataFromBytes } from "../../types/builders.js";
import { validityBytes } from "../../types/column.js";
import type { Accumulator, BatchInput, FrozenState } from "./accumulator.js";
import type { AggregateSpec } from "./aggregate-spec.js";

/**
 * min(x) / max(x) of utf8 (plain or dictionary): strings compare by UTF-8 bytes, i.e. by code
 * point (as Arrow compute and DataFusion do). A slot holds a copy of its current extreme's bytes —
 * one small Uint8Array per slot, allocated only when the extreme changes, never per row. The
 * output is plain utf8 even for dictionary input.
 */
export class Utf8MinMaxAccumulator implements Accumulator {
  readonly outputField: Field;
  readonly stateFields: Field[];
  private values: (Uint8Array | null)[] = [];
  private readonly sign: number;

  constructor(readonly spec: AggregateSpec) {
    this.sign = spec.fn === "max" ? 1 : -1;
    this.outputField = new Field(spec.name, new Utf8(), true);
    this.stateFields = [new Field(`${spec.name}.value`, new Utf8(), true)];
  }
  grow(capacity: number): void {
    while (this.values.length < capacity) this.values.push(null);
  }
  reset(slot: number): void {
    this.values[slot] = null;
  }
  release(slot: number): void {
    this.values[slot] = null;
  }
  update(input: BatchInput, rowSlots: Int32Array, n: number): void {
    this.fold(input.column(this.spec.column), input.validityOf(this.spec.column), rowSlots, n);
  }
  private fold(col: Data, valid: Uint8Array | null, rowSlots: Int32Array, n: number): void {
    let source = col;
    let indices: Int32Array | null = null;
    if (DataType.isDictionary(col.type)) {
      source = col.dictionary!.data[0];
      indices = col.values as Int32Array;
    }
    const offsets = source.valueOffsets as Int32Array;
    const bytes = source.values as Uint8Array;
    const values = this.values;
    for (let i = 0; i < n; i++) {
      const s = rowSlots[i];
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      const k = indices === null ? i : indices[i];
      const start = offsets[k];
      const end = offsets[k + 1];
      const cur = values[s];
      if (cur === null || compareBytes(bytes, start, end, cur) * this.sign > 0) values[s] = bytes.slice(start, end);
    }
  }
  merge(dst: number, src: number): void {
    const v = this.values[src];
    if (v === null) return;
    const cur = this.values[dst];
    if (cur === null || compareBytes(v, 0, v.length, cur) * this.sign > 0) this.values[dst] = v;
  }
  output(slots: Int32Array, count: number): Data {
    const offsets = new Int32Array(count + 1);
    const valid = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const v = this.values[slots[i]];
      valid[i] = v === null ? 0 : 1;
      offsets[i + 1] = offsets[i] + (v === null ? 0 : v.length);
    }
    const bytes = new Uint8Array(offsets[count]);
    for (let i = 0; i < count; i++) {
      const v = this.values[slots[i]];
      if (v !== null) bytes.set(v, offsets[i]);
    }
    return utf8DataFromBytes(offsets, bytes, valid);
  }
  stateColumns(slots: Int32Array, count: number): Data[] {
    return [this.output(slots, count)];
  }
  /** Slots get new arrays when their value changes (never edited in place): copying the list is enough. */
  freeze(): FrozenState {
    return copyWith(this, { values: this.values.slice() });
  }
  restore(columns: Data[], rowSlots: Int32Array, n: number): void {
    this.fold(columns[0], validityBytes(columns[0]), rowSlots, n);
  }
  afterFire(): void {}
}

/** Sign of bytes[start, end) compared with b, bytewise (shorter prefix first). */
function compareBytes(a: Uint8Array, start: number, end: number, b: Uint8Array): number {
  const len = end - start;
  const m = Math.min(len, b.length);
  for (let i = 0; i < m; i++) {
    const d = a[start + i] - b[i];
    if (d !== 0) return d;
  }
  return len - b.length;
}
