import {
  type Data,
  DataType,
  type Field,
  makeData,
  makeVector,
  type RecordBatch,
  TimestampMillisecond,
  Utf8,
  type Vector,
} from "apache-arrow";
import { takeData } from "../../kernels/take.js";
import { columnsOf, packValidity, validityBytes } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import { JoinConfigError } from "./errors.js";

/**
 * Column helpers the joins need beyond runtime/types: copies of sliced columns, all-null and
 * constant columns, and a gather whose missing rows become nulls (left lookup join).
 */

/**
 * The batch's columns, each starting at row 0. Arrow's `slice` keeps `offset` but already slices
 * value (and utf8 offset) buffers, while the shared kernels index values with `offset + i`; so a
 * sliced column is copied once here and every kernel downstream sees offset 0.
 */
export function unslicedColumns(batch: RecordBatch): Data[] {
  const cols = columnsOf(batch);
  if (cols.every((c) => c.offset === 0)) return cols;
  return cols.map((c) => (c.offset === 0 ? c : unslice(c)));
}

function unslice(col: Data): Data {
  const n = col.length;
  const valid = validityBytes(col);
  const nulls = valid ? packValidity(valid, n) : null;
  const validity =
    nulls && nulls.nullCount > 0 ? { nullBitmap: nulls.bitmap, nullCount: nulls.nullCount } : { nullCount: 0 };
  const t = col.type;
  if (DataType.isUtf8(t)) {
    const off = col.valueOffsets as Int32Array;
    const base = off[0];
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = off[i] - base;
    const bytes = (col.values as Uint8Array).slice(base, off[n]);
    return makeData({ type: t as Utf8, length: n, valueOffsets: offsets, data: bytes, ...validity });
  }
  if (DataType.isBool(t)) {
    const src = col.values as Uint8Array;
    const bits = new Uint8Array(((n + 63) >> 6) << 3);
    for (let i = 0, j = col.offset; i < n; i++, j++) if ((src[j >> 3] >> (j & 7)) & 1) bits[i >> 3] |= 1 << (i & 7);
    return makeData({ type: t, length: n, data: bits, ...validity });
  }
  const values = (col.values as Int32Array).slice(0, n);
  // makeData's overloads are per concrete type; here the type is only known at run time (`never`).
  if (DataType.isDictionary(t))
    return makeData({ type: t, length: n, data: values, dictionary: col.dictionary, ...validity });
  return makeData({ type: t as DataType<never>, length: n, data: values as never, ...validity });
}

/** A column of `n` nulls of type `type` (a dictionary column gets `dictionary`, or an empty one). */
export function nullColumn(type: DataType, n: number, dictionary?: Vector): Data {
  const nullBitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const validity = n > 0 ? { nullBitmap, nullCount: n } : { nullCount: 0 };
  if (DataType.isUtf8(type))
    return makeData({
      type: type as Utf8,
      length: n,
      valueOffsets: new Int32Array(n + 1),
      data: new Uint8Array(0),
      ...validity,
    });
  if (DataType.isBool(type)) return makeData({ type, length: n, data: new Uint8Array(nullBitmap.length), ...validity });
  if (DataType.isDictionary(type)) {
    const dict = dictionary ?? emptyDictionary();
    return makeData({ type, length: n, data: new Int32Array(n), dictionary: dict, ...validity });
  }
  // As in unslice: a fixed-width type known only at run time.
  const Ctor = (type as DataType<never>).ArrayType as unknown as new (n: number) => Int32Array;
  return makeData({ type: type as DataType<never>, length: n, data: new Ctor(n) as never, ...validity });
}

function emptyDictionary(): Vector {
  const data = makeData({ type: new Utf8(), length: 0, valueOffsets: new Int32Array(1), data: new Uint8Array(0) });
  return makeVector(data);
}

/** A timestamp[ms] column holding `value` in every row (window bounds on join output). */
export function constantTimestamp(value: number, n: number, type: DataType = new TimestampMillisecond()): Data {
  const out = new BigInt64Array(n);
  const o32 = new Int32Array(out.buffer);
  const hi = Math.floor(value / 4294967296);
  const lo = (value - hi * 4294967296) | 0;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    o32[j] = lo;
    o32[j + 1] = hi | 0;
  }
  return makeData({ type: type as TimestampMillisecond, length: n, data: out, nullCount: 0 });
}

/**
 * Gathers rows `indices` of `col`; where an index is -1 the output row is null. `col` must have at
 * least one row unless every index is -1 (then an all-null column comes back).
 */
export function takeOrNull(col: Data, indices: Int32Array, count: number): Data {
  let misses = 0;
  for (let i = 0; i < count; i++) if (indices[i] < 0) misses++;
  if (misses === 0) return takeData(col, indices, count);
  if (misses === count || col.length === 0) return nullColumn(col.type, count, col.dictionary);
  const safe = new Int32Array(count);
  for (let i = 0; i < count; i++) safe[i] = Math.max(indices[i], 0);
  const taken = takeData(col, safe, count);
  const valid = validityBytes(taken) ?? new Uint8Array(count).fill(1);
  for (let i = 0; i < count; i++) if (indices[i] < 0) valid[i] = 0;
  const { bitmap, nullCount } = packValidity(valid, count);
  return taken.clone(taken.type, 0, count, nullCount, [taken.valueOffsets, taken.values, bitmap] as never);
}

/** The index of an input's event-time column, which a join that tracks time needs. */
export function timeColumn(op: string, side: string, info: StreamInfo, fields: Field[]): number {
  const i = fields.findIndex((f) => f.name === info.timeField);
  if (info.timeField === undefined || i < 0)
    throw new JoinConfigError(op, `the ${side} input has no event-time column: declare \`eventTime\` on its source`);
  return i;
}
