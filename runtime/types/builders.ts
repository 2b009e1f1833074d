import {
  Bool,
  type Data,
  type DataType,
  Float64,
  Int32,
  Int64,
  makeData,
  TimestampMillisecond,
  Utf8,
} from "apache-arrow";
import { float64ToInt64, packValidity, textEncoder } from "./column.js";

/** Arrow validity from one-byte-per-row flags; undefined when all rows are valid. */
function nulls(valid: Uint8Array | null | undefined, n: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!valid) return { nullCount: 0 };
  const { bitmap, nullCount } = packValidity(valid, n);
  return nullCount === 0 ? { nullCount: 0 } : { nullBitmap: bitmap, nullCount };
}

export function float64Data(values: Float64Array, valid?: Uint8Array | null): Data<Float64> {
  return makeData({ type: new Float64(), length: values.length, data: values, ...nulls(valid, values.length) });
}

export function int32Data(values: Int32Array, valid?: Uint8Array | null): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, data: values, ...nulls(valid, values.length) });
}

/** int64 (or timestamp[ms]) column from float64 values, converted without BigInt allocation. */
export function int64Data(values: Float64Array, valid?: Uint8Array | null, type: DataType = new Int64()): Data {
  const data = float64ToInt64(values);
  return makeData({ type: type as Int64, length: values.length, data, ...nulls(valid, values.length) });
}

export function timestampData(values: Float64Array, valid?: Uint8Array | null): Data {
  return int64Data(values, valid, new TimestampMillisecond());
}

/** timestamp[ms] column from int64 values as they are. */
export function timestamp64Data(values: BigInt64Array, valid?: Uint8Array | null): Data {
  return makeData({
    type: new TimestampMillisecond(),
    length: values.length,
    data: values,
    ...nulls(valid, values.length),
  });
}

/** bool column from one-byte-per-row 0/1 values. */
export function boolData(values: Uint8Array, valid?: Uint8Array | null): Data<Bool> {
  const { bitmap } = packValidity(values, values.length);
  return makeData({ type: new Bool(), length: values.length, data: bitmap, ...nulls(valid, values.length) });
}

/** utf8 column from JS strings (null → null). For generators and decoders, not per-row hot paths. */
export function utf8Data(values: ArrayLike<string | null | undefined>): Data<Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = new Array(n);
  let valid: Uint8Array | null = null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      valid ??= new Uint8Array(n).fill(1);
      valid[i] = 0;
      parts[i] = EMPTY;
    } else {
      parts[i] = textEncoder.encode(s);
    }
    total += parts[i].length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) bytes.set(parts[i], offsets[i]);
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes, ...nulls(valid, n) });
}

const EMPTY = new Uint8Array(0);

/** utf8 column from already-encoded bytes and offsets (zero copy). */
export function utf8DataFromBytes(offsets: Int32Array, bytes: Uint8Array, valid?: Uint8Array | null): Data<Utf8> {
  const n = offsets.length - 1;
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes, ...nulls(valid, n) });
}
