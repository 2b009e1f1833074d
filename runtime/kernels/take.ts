import {
  type Data,
  DataType,
  type Dictionary,
  type Float64,
  type Int64,
  makeData,
  type RecordBatch,
  Vector,
} from "apache-arrow";
import { columnsOf, makeBatch, validityBytes } from "../types/column.js";
import { NATIVE_MIN_ROWS, native } from "./native.js";
import type { NativeAddon } from "./native-loader.js";
import { takeDataNative } from "./native-take.js";

/**
 * Gathers rows `indices` of a column into a new column: the kernel behind filter (selection
 * vectors), window output and join output. Values are copied buffer to buffer, never boxed.
 * `addon`: the native kernels (default: the process-wide choice; null = TypeScript only).
 */
export function takeData(
  col: Data,
  indices: Int32Array,
  count = indices.length,
  addon: NativeAddon | null = native,
): Data {
  const t = col.type;
  // Native gather only for utf8, where it measured >= 2x (test/bench/kernels-micro.ts); for
  // fixed-width columns V8's loop is within 2x of it, so they stay here.
  if (addon !== null && count >= NATIVE_MIN_ROWS && DataType.isUtf8(t)) {
    const out = takeDataNative(addon, col, indices, count);
    if (out !== null) return out;
  }
  const valid = validityBytes(col);
  let outValid: Uint8Array | undefined;
  let nullCount = 0;
  if (valid) {
    outValid = new Uint8Array(((count + 63) >> 6) << 3);
    for (let i = 0; i < count; i++) {
      if (valid[indices[i]]) outValid[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
  }
  const validity = nullCount > 0 ? { nullBitmap: outValid, nullCount } : { nullCount: 0 };
  // Arrow-js slices value and offset buffers with the column; only bit buffers keep `offset`.
  const off = col.offset;
  if (DataType.isUtf8(t)) {
    const srcOff = col.valueOffsets as Int32Array;
    const src = col.values as Uint8Array;
    const offsets = new Int32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      const j = indices[i];
      total += srcOff[j + 1] - srcOff[j];
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let i = 0; i < count; i++) {
      const j = indices[i];
      const from = srcOff[j];
      const len = srcOff[j + 1] - from;
      // Short strings: a byte loop beats creating a subarray view per row.
      if (len <= 32) for (let k = 0, o = offsets[i]; k < len; k++) bytes[o + k] = src[from + k];
      else bytes.set(src.subarray(from, from + len), offsets[i]);
    }
    return makeData({ type: t, length: count, valueOffsets: offsets, data: bytes, ...validity });
  }
  if (DataType.isBool(t)) {
    const src = col.values as Uint8Array;
    const bits = new Uint8Array(((count + 63) >> 6) << 3);
    for (let i = 0; i < count; i++) {
      const j = indices[i] + off;
      if ((src[j >> 3] >> (j & 7)) & 1) bits[i >> 3] |= 1 << (i & 7);
    }
    return makeData({ type: t, length: count, data: bits, ...validity });
  }
  if (DataType.isDictionary(t)) {
    const src = col.values as Int32Array;
    const keys = new Int32Array(count);
    for (let i = 0; i < count; i++) keys[i] = src[indices[i]];
    return makeData({ type: t, length: count, data: keys, dictionary: col.dictionary, ...validity });
  }
  if (col.values instanceof BigInt64Array) {
    // Move int64 as two int32 halves: no BigInt per row.
    const src = new Int32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2);
    const out = new BigInt64Array(count);
    const o32 = new Int32Array(out.buffer);
    for (let i = 0; i < count; i++) {
      const j = indices[i] * 2;
      o32[2 * i] = src[j];
      o32[2 * i + 1] = src[j + 1];
    }
    return makeData({ type: t as Int64, length: count, data: out, ...validity });
  }
  // float64 and int32 share this path; Arrow checks the buffer against the type at runtime.
  const src = col.values as Float64Array;
  const out = new (src.constructor as Float64ArrayConstructor)(count);
  for (let i = 0; i < count; i++) out[i] = src[indices[i]];
  return makeData({ type: t as Float64, length: count, data: out, ...validity });
}

/** Gathers rows of every column of a batch. */
export function takeBatch(batch: RecordBatch, indices: Int32Array, count = indices.length): RecordBatch {
  const cols = columnsOf(batch).map((c) => takeData(c, indices, count));
  return makeBatch(batch.schema, cols, count);
}

/** Appends columns of one type (each starting at row 0). */
/**
 * Dictionary columns: keys are copied, each offset by where its part's dictionary starts in the
 * result's. Parts usually share one dictionary (one source), which is then kept as it is; parts
 * with different ones (output from before and after a restore, which decoded its own copy) get
 * their dictionaries appended one after another. Arrow allows repeated dictionary values, and
 * reading a key gives the same string either way.
 */
function concatDictionaries(
  parts: Data[],
  type: Dictionary,
  n: number,
  validity: { nullBitmap?: Uint8Array; nullCount: number },
): Data {
  const start = new Map<Vector, number>();
  let entries = 0;
  for (const p of parts) {
    const d = p.dictionary!;
    if (!start.has(d)) {
      start.set(d, entries);
      entries += d.length;
    }
  }
  const keys = new Int32Array(n);
  let row = 0;
  for (const p of parts) {
    const shift = start.get(p.dictionary!)!;
    const src = (p.values as Int32Array).subarray(0, p.length);
    if (shift === 0) keys.set(src, row);
    else for (let i = 0; i < src.length; i++) keys[row + i] = src[i] + shift;
    row += p.length;
  }
  const dictionaries = [...start.keys()];
  const dictionary =
    dictionaries.length === 1 ? dictionaries[0] : new Vector([concatData(dictionaries.flatMap((d) => d.data))]);
  return makeData({ type, length: n, data: keys, dictionary, ...validity });
}

export function concatData(parts: Data[]): Data {
  if (parts.length === 1) return parts[0];
  const t = parts[0].type;
  const n = parts.reduce((s, p) => s + p.length, 0);
  const anyNulls = parts.some((p) => p.nullCount > 0);
  let validity: { nullBitmap?: Uint8Array; nullCount: number } = { nullCount: 0 };
  if (anyNulls) {
    const bm = new Uint8Array(((n + 63) >> 6) << 3);
    let row = 0;
    let nullCount = 0;
    for (const p of parts) {
      const v = validityBytes(p);
      for (let i = 0; i < p.length; i++, row++) {
        if (!v || v[i]) bm[row >> 3] |= 1 << (row & 7);
        else nullCount++;
      }
    }
    validity = { nullBitmap: bm, nullCount };
  }
  if (DataType.isUtf8(t)) {
    const offsets = new Int32Array(n + 1);
    // Offsets need not start at 0 (e.g. IPC or sliced input): copy only bytes [po[0], po[len]).
    const span = (p: Data) => (p.valueOffsets as Int32Array)[p.length] - (p.valueOffsets as Int32Array)[0];
    const total = parts.reduce((s, p) => s + span(p), 0);
    const bytes = new Uint8Array(total);
    let row = 0;
    let pos = 0;
    for (const p of parts) {
      const po = p.valueOffsets as Int32Array;
      bytes.set((p.values as Uint8Array).subarray(po[0], po[p.length]), pos);
      for (let i = 0; i < p.length; i++) offsets[row + i + 1] = pos + po[i + 1] - po[0];
      row += p.length;
      pos += span(p);
    }
    return makeData({ type: t, length: n, valueOffsets: offsets, data: bytes, ...validity });
  }
  if (DataType.isBool(t)) {
    const bits = new Uint8Array(((n + 63) >> 6) << 3);
    let row = 0;
    for (const p of parts) {
      const v = p.values as Uint8Array;
      for (let i = 0; i < p.length; i++, row++) if ((v[i >> 3] >> (i & 7)) & 1) bits[row >> 3] |= 1 << (row & 7);
    }
    return makeData({ type: t, length: n, data: bits, ...validity });
  }
  if (DataType.isDictionary(t)) return concatDictionaries(parts, t, n, validity);
  const Ctor = (parts[0].values as Float64Array).constructor as Float64ArrayConstructor;
  const out = new Ctor(n);
  let row = 0;
  for (const p of parts) {
    out.set((p.values as Float64Array).subarray(0, p.length), row);
    row += p.length;
  }
  return makeData({ type: t as Float64, length: n, data: out, ...validity });
}
