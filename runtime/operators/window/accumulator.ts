import type { Data, Field } from "apache-arrow";
import type { ValidityBits } from "../../kernels/gpu-kernels.js";
import { toFloat64, validityBytes } from "../../types/column.js";
import type { AggregateSpec } from "./aggregate-spec.js";

/**
 * The state of one aggregate for every (key, window) slot, in typed arrays indexed by slot id.
 * Updates are vectorized: one call per batch (per window pass for sliding windows) with the slot
 * of every row, -1 for rows that do not count (late, or no window).
 */
export interface Accumulator {
  readonly spec: AggregateSpec;
  /** The aggregate's output column. */
  readonly outputField: Field;
  /** Its state in checkpoints, as columns named `<name>.<part>`. */
  readonly stateFields: Field[];
  /** Makes room for slot ids below `capacity`. */
  grow(capacity: number): void;
  /** Empties a slot before it is used (slot ids are reused). */
  reset(slot: number): void;
  update(input: BatchInput, rowSlots: Int32Array, n: number): void;
  /** Folds slot `src` into slot `dst` (merging session windows). */
  merge(dst: number, src: number): void;
  /** Frees what a slot holds outside typed arrays (strings, sets). */
  release(slot: number): void;
  output(slots: Int32Array, count: number): Data;
  stateColumns(slots: Int32Array, count: number): Data[];
  /**
   * The state of the open slots `live` as it is now, for a checkpoint that gathers it later:
   * later updates, resets and merges do not show in it. Flat typed-array state is copied (a
   * memcpy); per-slot objects that change in place (distinct-value sets) are copied too.
   */
  freeze(live: Int32Array): FrozenState;
  /**
   * Folds state rows (columns as in stateFields: a checkpoint's, or two-phase aggregation's
   * partial rows) into slots rowSlots[i]; rows whose slot is -1 are skipped.
   */
  restore(columns: Data[], rowSlots: Int32Array, n: number): void;
  /**
   * Housekeeping after windows fired (e.g. shrinking the distinct-value table); `liveSlots`
   * lists the open slots (a scan of all slots: call it only when there is work to do).
   */
  afterFire(liveSlots: () => Int32Array): void;
}

/** An accumulator's state as of a snapshot (Accumulator.freeze). */
export interface FrozenState {
  stateColumns(slots: Int32Array, count: number): Data[];
}

/**
 * The columns of one input batch, with numeric conversions and validity computed once per batch
 * however many aggregates (and sliding-window passes) read them.
 */
export class BatchInput {
  private readonly numbers = new Map<number, Float64Array>();
  private readonly valids = new Map<number, Uint8Array | null>();
  constructor(
    readonly columns: readonly Data[],
    readonly length: number,
    /** Where int64 columns are converted; valid until the next batch's conversions. */
    private readonly scratch: NumberScratch = new NumberScratch(),
  ) {}

  column(i: number): Data {
    return this.columns[i];
  }
  /** Column i as float64 (int64 exact below 2^53; bool as 0/1). */
  numbersOf(i: number): Float64Array {
    let v = this.numbers.get(i);
    if (!v) {
      v = this.scratch.numbers(i, this.columns[i]);
      this.numbers.set(i, v);
    }
    return v;
  }
  /** Column i's Arrow validity bitmap as is (what the CUDA kernels read); null when it has no nulls. */
  bitsOf(i: number): ValidityBits | null {
    const c = this.columns[i];
    if (c.nullCount === 0 || !c.nullBitmap || c.nullBitmap.length === 0) return null;
    return { bitmap: c.nullBitmap, offset: c.offset };
  }
  /** One byte per row, 1 = value; null when the column has no nulls. */
  validityOf(i: number): Uint8Array | null {
    let v = this.valids.get(i);
    if (v === undefined) {
      v = validityBytes(this.columns[i]);
      this.valids.set(i, v);
    }
    return v;
  }
}

const TWO_32 = 2 ** 32;

/**
 * Float64 buffers reused from batch to batch, one per input column: converting each batch's int64
 * columns (times, prices) into fresh arrays made most of the operator's garbage. Callers read a
 * result only while processing its batch.
 */
export class NumberScratch {
  private readonly buffers = new Map<number, Float64Array>();

  /** Column `col` (input column `index`) as float64; layouts other than int64 go through toFloat64. */
  numbers(index: number, col: Data): Float64Array {
    const v = col.values as unknown;
    if (!(v instanceof BigInt64Array)) return toFloat64(col);
    const n = col.length;
    let out = this.buffers.get(index);
    if (out === undefined || out.length < n) {
      out = new Float64Array(Math.max(n, 1024));
      this.buffers.set(index, out);
    }
    const v32 = new Int32Array(v.buffer, v.byteOffset, n * 2);
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = v32[j + 1] * TWO_32 + (v32[j] >>> 0);
    return out.subarray(0, n);
  }
}

/** Doubling growth for per-slot typed arrays. */
export function grownF64(a: Float64Array, capacity: number): Float64Array {
  if (a.length >= capacity) return a;
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
export function grownU8(a: Uint8Array, capacity: number): Uint8Array {
  if (a.length >= capacity) return a;
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}
