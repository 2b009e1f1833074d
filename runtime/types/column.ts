import { type Data, DataType, type Field, makeData, RecordBatch, type Schema, Struct } from "apache-arrow";

/**
 * Column access for kernels. Kernels read Arrow buffers directly (no per-row objects); these helpers
 * hide the two awkward cases: int64/timestamp values live in BigInt64Arrays (reading one element
 * allocates a BigInt, so we read them through an Int32Array view instead) and validity is a bitmap.
 */

export type Column = Data;

// Arrow-js slices fixed-width and offset buffers when it slices a column (values[0] is row 0 of
// the slice) but keeps bit buffers whole: `offset` applies to validity and bool bits only.

const TWO_32 = 4294967296;

/** True when row i (relative to the column's start) holds a value. */
export function isValid(col: Column, i: number): boolean {
  if (col.nullCount === 0 || !col.nullBitmap || col.nullBitmap.length === 0) return true;
  const j = col.offset + i;
  return ((col.nullBitmap[j >> 3] >> (j & 7)) & 1) === 1;
}

/** One byte per row, 1 = valid; null when the column has no nulls (the common, fast case). */
export function validityBytes(col: Column): Uint8Array | null {
  if (col.nullCount === 0 || !col.nullBitmap || col.nullBitmap.length === 0) return null;
  const out = new Uint8Array(col.length);
  const bm = col.nullBitmap;
  for (let i = 0, j = col.offset; i < col.length; i++, j++) out[i] = (bm[j >> 3] >> (j & 7)) & 1;
  return out;
}

/** Packs one-byte-per-row validity into an Arrow bitmap; returns the bitmap and the null count. */
export function packValidity(valid: Uint8Array, length: number): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(((length + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nullCount: nulls };
}

/** Reads row i of a numeric (int32/int64/float64/timestamp) column as a JS number. */
export function numberAt(col: Column, i: number): number {
  const values = col.values as ArrayLike<number | bigint>;
  if (col.values instanceof BigInt64Array) {
    const v32 = new Int32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2);
    const j = i * 2;
    return v32[j + 1] * TWO_32 + (v32[j] >>> 0);
  }
  return Number(values[i]);
}

/**
 * Numeric column values as float64, one pass, no per-row allocation. int64 is exact up to 2^53,
 * which covers epoch milliseconds and counters; documented in docs/manifest.md, "Expressions (SQL)".
 */
export function toFloat64(col: Column): Float64Array {
  const n = col.length;
  const out = new Float64Array(n);
  const v = col.values;
  if (v instanceof Float64Array) {
    out.set(v.subarray(0, n));
  } else if (v instanceof BigInt64Array) {
    const v32 = new Int32Array(v.buffer, v.byteOffset, n * 2);
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = v32[j + 1] * TWO_32 + (v32[j] >>> 0);
  } else if (v instanceof Uint8Array && DataType.isBool(col.type)) {
    for (let i = 0, j = col.offset; i < n; i++, j++) out[i] = (v[j >> 3] >> (j & 7)) & 1;
  } else {
    const a = v as Int32Array;
    for (let i = 0; i < n; i++) out[i] = a[i];
  }
  return out;
}

/** Writes float64 values (integral) into a fresh BigInt64Array without allocating BigInts. */
export function float64ToInt64(src: Float64Array | ArrayLike<number>, n = src.length): BigInt64Array {
  const out = new BigInt64Array(n);
  const o32 = new Int32Array(out.buffer);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const x = Math.trunc(src[i]);
    const hi = Math.floor(x / TWO_32);
    o32[j] = (x - hi * TWO_32) | 0;
    o32[j + 1] = hi | 0;
  }
  return out;
}

/** Decodes row i of a utf8 (or dictionary-of-utf8) column. For output and slow paths only. */
export function stringAt(col: Column, i: number): string {
  if (DataType.isDictionary(col.type)) {
    const dict = col.dictionary!.data[0];
    return stringAt(dict, (col.values as Int32Array)[i]);
  }
  const off = col.valueOffsets as Int32Array;
  return textDecoder.decode((col.values as Uint8Array).subarray(off[i], off[i + 1]));
}

const textDecoder = new TextDecoder();
export const textEncoder = new TextEncoder();

/** A plain JS value of row i, for tests, console output and JSON encoding. */
export function valueAt(col: Column, i: number): string | number | boolean | null {
  if (!isValid(col, i)) return null;
  const t = col.type;
  if (DataType.isUtf8(t) || DataType.isDictionary(t)) return stringAt(col, i);
  if (DataType.isBool(t)) {
    const j = col.offset + i;
    return (((col.values as Uint8Array)[j >> 3] >> (j & 7)) & 1) === 1;
  }
  return numberAt(col, i);
}

/** Builds a RecordBatch from a schema and one Data per field. */
export function makeBatch(schema: Schema, columns: Data[], length?: number): RecordBatch {
  const n = length ?? columns[0]?.length ?? 0;
  const struct = makeData({ type: new Struct(schema.fields as Field[]), length: n, nullCount: 0, children: columns });
  return new RecordBatch(schema, struct);
}

export function columnsOf(batch: RecordBatch): Data[] {
  return batch.data.children as Data[];
}
