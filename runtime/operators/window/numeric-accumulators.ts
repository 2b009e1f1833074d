import { type Data, DataType, Field, Float64, Int64 } from "apache-arrow";
import type { GpuKernels } from "../../kernels/gpu-kernels.js";
import { copyWith } from "../../state/freeze.js";
import { boolData, float64Data, int32Data, int64Data } from "../../types/builders.js";
import { toFloat64, validityBytes } from "../../types/column.js";
import { type Accumulator, type BatchInput, type FrozenState, grownF64, grownU8 } from "./accumulator.js";
import type { AggregateSpec } from "./aggregate-spec.js";

/**
 * count, sum, avg and min/max of numbers, timestamps and bools: Float64Array state per slot.
 * Integers go through float64, so int64 sums and extremes are exact while they stay below 2^53
 * in magnitude (epoch millis, counters and prices do); beyond that they round.
 *
 * With a GpuKernels that wants the batch (SABOT_GPU=1, a device, a large batch), count, min, max
 * and the sum/avg of integer columns fold on the GPU, with results identical to these loops:
 * counts and integer sums are exact in any order (below 2^53), and min/max use a total order.
 * Sums of float64 columns always fold here: atomic GPU adds come in no fixed order, so their
 * last bits could differ from this left-to-right sum.
 */

function gather(src: Float64Array, slots: Int32Array, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = src[slots[i]];
  return out;
}

/**
 * What count, sum and min/max share: an output field named after the aggregate, float64 state
 * columns named `<aggregate>.<part>`, and nothing to free per slot or after a firing.
 */
abstract class NumericAccumulator {
  readonly outputField: Field;
  readonly stateFields: Field[];

  protected constructor(
    readonly spec: AggregateSpec,
    output: DataType,
    outputNullable: boolean,
    /** State part → whether it may be null. */
    parts: Record<string, boolean>,
  ) {
    this.outputField = new Field(spec.name, output, outputNullable);
    this.stateFields = Object.entries(parts).map(
      ([part, nullable]) => new Field(`${spec.name}.${part}`, new Float64(), nullable),
    );
  }
  release(): void {}
  afterFire(): void {}
}

/** count(*) and count(x): rows, or rows where x is not null. */
export class CountAccumulator extends NumericAccumulator implements Accumulator {
  private counts: Float64Array = new Float64Array(0);

  constructor(
    spec: AggregateSpec,
    private readonly gpu: GpuKernels | null = null,
  ) {
    super(spec, new Int64(), false, { count: false });
  }
  grow(capacity: number): void {
    this.counts = grownF64(this.counts, capacity);
  }
  reset(slot: number): void {
    this.counts[slot] = 0;
  }
  update(input: BatchInput, rowSlots: Int32Array, n: number): void {
    const counts = this.counts;
    const col = this.spec.column;
    const bits = col < 0 ? null : input.bitsOf(col);
    if (
      this.gpu?.wants("groupAggregate", n) &&
      this.gpu.groupAggregate(rowSlots, n, null, bits, counts.length, { counts })
    )
      return;
    const valid = col < 0 ? null : input.validityOf(col);
    if (valid === null) {
      for (let i = 0; i < n; i++) {
        const s = rowSlots[i];
        if (s >= 0) counts[s]++;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const s = rowSlots[i];
        if (s >= 0) counts[s] += valid[i];
      }
    }
  }
  merge(dst: number, src: number): void {
    this.counts[dst] += this.counts[src];
  }
  output(slots: Int32Array, count: number): Data {
    return int64Data(gather(this.counts, slots, count));
  }
  stateColumns(slots: Int32Array, count: number): Data[] {
    return [float64Data(gather(this.counts, slots, count))];
  }
  freeze(): FrozenState {
    return copyWith(this, { counts: this.counts.slice() });
  }
  restore(columns: Data[], rowSlots: Int32Array, n: number): void {
    const c = toFloat64(columns[0]);
    for (let i = 0; i < n; i++) {
      const s = rowSlots[i];
      if (s >= 0) this.counts[s] += c[i];
    }
  }
}

/** sum(x) and avg(x): a running sum and the number of non-null inputs (none → NULL). */
export class SumAccumulator extends NumericAccumulator implements Accumulator {
  private sums: Float64Array = new Float64Array(0);
  private ns: Float64Array = new Float64Array(0);
  private readonly integral: boolean;

  constructor(
    spec: AggregateSpec,
    input: Field,
    private readonly gpu: GpuKernels | null = null,
  ) {
    const integral = DataType.isInt(input.type);
    super(spec, spec.fn === "sum" && integral ? new Int64() : new Float64(), true, { sum: false, n: false });
    this.integral = integral;
  }
  grow(capacity: number): void {
    this.sums = grownF64(this.sums, capacity);
    this.ns = grownF64(this.ns, capacity);
  }
  reset(slot: number): void {
    this.sums[slot] = 0;
    this.ns[slot] = 0;
  }
  update(input: BatchInput, rowSlots: Int32Array, n: number): void {
    const x = input.numbersOf(this.spec.column);
    const { sums, ns } = this;
    if (
      this.integral &&
      this.gpu?.wants("groupAggregate", n) &&
      this.gpu.groupAggregate(rowSlots, n, x, input.bitsOf(this.spec.column), sums.length, { sums, counts: ns })
    )
      return;
    const valid = input.validityOf(this.spec.column);
    for (let i = 0; i < n; i++) {
      const s = rowSlots[i];
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      sums[s] += x[i];
      ns[s]++;
    }
  }
  merge(dst: number, src: number): void {
    this.sums[dst] += this.sums[src];
    this.ns[dst] += this.ns[src];
  }
  output(slots: Int32Array, count: number): Data {
    const out = new Float64Array(count);
    const valid = new Uint8Array(count);
    const avg = this.spec.fn === "avg";
    for (let i = 0; i < count; i++) {
      const s = slots[i];
      valid[i] = this.ns[s] > 0 ? 1 : 0;
      out[i] = valid[i] === 0 ? 0 : avg ? this.sums[s] / this.ns[s] : this.sums[s];
    }
    return !avg && this.integral ? int64Data(out, valid) : float64Data(out, valid);
  }
  stateColumns(slots: Int32Array, count: number): Data[] {
    return [float64Data(gather(this.sums, slots, count)), float64Data(gather(this.ns, slots, count))];
  }
  freeze(): FrozenState {
    return copyWith(this, { sums: this.sums.slice(), ns: this.ns.slice() });
  }
  restore(columns: Data[], rowSlots: Int32Array, n: number): void {
    const sum = toFloat64(columns[0]);
    const cnt = toFloat64(columns[1]);
    for (let i = 0; i < n; i++) {
      const s = rowSlots[i];
      if (s < 0) continue;
      this.sums[s] += sum[i];
      this.ns[s] += cnt[i];
    }
  }
}

/**
 * min(x) / max(x) of int32, int64, float64, timestamp and bool, keeping the input type. NaN sorts
 * above every number (as in PostgreSQL): max returns NaN if any input is NaN, min only if all are.
 * -0 sorts below +0, so with both the result does not depend on the order rows arrive in (the
 * GPU's folds have no order). A NaN from the GPU is the canonical NaN, whatever its input bits.
 */
export class MinMaxAccumulator extends NumericAccumulator implements Accumulator {
  private values: Float64Array = new Float64Array(0);
  private has: Uint8Array = new Uint8Array(0);
  private readonly isMax: boolean;

  constructor(
    spec: AggregateSpec,
    private readonly input: Field,
    private readonly gpu: GpuKernels | null = null,
  ) {
    super(spec, input.type, true, { value: true });
    this.isMax = spec.fn === "max";
  }
  grow(capacity: number): void {
    this.values = grownF64(this.values, capacity);
    this.has = grownU8(this.has, capacity);
  }
  reset(slot: number): void {
    this.has[slot] = 0;
  }
  update(input: BatchInput, rowSlots: Int32Array, n: number): void {
    const x = input.numbersOf(this.spec.column);
    if (this.gpu?.wants("groupAggregate", n) && this.gpuFold(x, input, rowSlots, n)) return;
    this.fold(x, input.validityOf(this.spec.column), rowSlots, n);
  }
  /** Slots without a value start at the order's identity; the counts say which slots got one. */
  private gpuFold(x: Float64Array, input: BatchInput, rowSlots: Int32Array, n: number): boolean {
    const { values, has } = this;
    const cap = values.length;
    const state = new Float64Array(cap);
    const identity = this.isMax ? Number.NEGATIVE_INFINITY : Number.NaN;
    for (let s = 0; s < cap; s++) state[s] = has[s] === 1 ? values[s] : identity;
    const seen = new Float64Array(cap);
    const out = this.isMax ? { maxs: state, counts: seen } : { mins: state, counts: seen };
    if (!this.gpu!.groupAggregate(rowSlots, n, x, input.bitsOf(this.spec.column), cap, out)) return false;
    for (let s = 0; s < cap; s++) {
      if (seen[s] === 0 && has[s] === 0) continue;
      values[s] = state[s];
      has[s] = 1;
    }
    return true;
  }
  private fold(x: Float64Array, valid: Uint8Array | null, rowSlots: Int32Array, n: number): void {
    const { values, has } = this;
    if (this.isMax) {
      for (let i = 0; i < n; i++) {
        const s = rowSlots[i];
        if (s < 0 || (valid !== null && valid[i] === 0)) continue;
        const v = x[i];
        const cur = values[s];
        if (
          has[s] === 0 ||
          v > cur ||
          (Number.isNaN(v) && !Number.isNaN(cur)) ||
          (v === 0 && cur === 0 && 1 / v > 1 / cur)
        ) {
          values[s] = v;
          has[s] = 1;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        const s = rowSlots[i];
        if (s < 0 || (valid !== null && valid[i] === 0)) continue;
        const v = x[i];
        const cur = values[s];
        if (
          has[s] === 0 ||
          v < cur ||
          (Number.isNaN(cur) && !Number.isNaN(v)) ||
          (v === 0 && cur === 0 && 1 / v < 1 / cur)
        ) {
          values[s] = v;
          has[s] = 1;
        }
      }
    }
  }
  merge(dst: number, src: number): void {
    if (this.has[src] === 0) return;
    this.fold(this.values.subarray(src, src + 1), null, Int32Array.of(dst), 1);
  }
  output(slots: Int32Array, count: number): Data {
    const out = gather(this.values, slots, count);
    const valid = new Uint8Array(count);
    for (let i = 0; i < count; i++) valid[i] = this.has[slots[i]];
    const t = this.input.type;
    if (DataType.isBool(t)) return boolData(Uint8Array.from(out), valid);
    if (DataType.isFloat(t)) return float64Data(out, valid);
    if (DataType.isTimestamp(t) || (DataType.isInt(t) && t.bitWidth === 64)) return int64Data(out, valid, t);
    return int32Data(Int32Array.from(out), valid);
  }
  stateColumns(slots: Int32Array, count: number): Data[] {
    const valid = new Uint8Array(count);
    for (let i = 0; i < count; i++) valid[i] = this.has[slots[i]];
    return [float64Data(gather(this.values, slots, count), valid)];
  }
  freeze(): FrozenState {
    return copyWith(this, { values: this.values.slice(), has: this.has.slice() });
  }
  restore(columns: Data[], rowSlots: Int32Array, n: number): void {
    this.fold(toFloat64(columns[0]), validityBytes(columns[0]), rowSlots, n);
  }
}
