import { type Data, DataType, type Float64, makeData } from "apache-arrow";
import type { NativeAddon } from "./native-loader.js";

/**
 * takeData (runtime/types/take.ts) with the native kernels: the TS side allocates each output
 * buffer, the addon fills it from the source buffers in place, and the buffers become an Arrow
 * Data without a copy. Returns null for layouts the addon does not cover (the caller gathers in
 * TypeScript). Results equal takeData's, including validity and its null count.
 */
export function takeDataNative(
  addon: NativeAddon,
  col: Data,
  indices: Int32Array,
  count = indices.length,
): Data | null {
  const t = col.type;
  let validity: { nullBitmap?: Uint8Array; nullCount: number } = { nullCount: 0 };
  if (col.nullCount !== 0 && col.nullBitmap && col.nullBitmap.length > 0) {
    const bitmap = new Uint8Array(((count + 63) >> 6) << 3);
    const nulls = addon.takeValidity(col.nullBitmap, col.offset, col.length, indices, count, bitmap);
    if (nulls > 0) validity = { nullBitmap: bitmap, nullCount: nulls };
  }
  if (DataType.isUtf8(t)) {
    const srcOff = col.valueOffsets as Int32Array;
    const offsets = new Int32Array(count + 1);
    const total = addon.takeUtf8Offsets(srcOff.subarray(0, col.length + 1), indices, count, offsets);
    const bytes = new Uint8Array(total);
    addon.takeUtf8Bytes(srcOff.subarray(0, col.length + 1), col.values as Uint8Array, indices, count, offsets, bytes);
    return makeData({ type: t, length: count, valueOffsets: offsets, data: bytes, ...validity });
  }
  if (DataType.isDictionary(t)) {
    if (!(col.values instanceof Int32Array)) return null;
    const keys = new Int32Array(count);
    addon.takeFixed(col.values.subarray(0, col.length), indices, count, keys, 4);
    return makeData({ type: t, length: count, data: keys, dictionary: col.dictionary, ...validity });
  }
  if (DataType.isBool(t)) return null;
  const src = col.values as Float64Array;
  if (!ArrayBuffer.isView(src) || src instanceof DataView) return null;
  const Ctor = src.constructor as Float64ArrayConstructor;
  const out = new Ctor(count);
  addon.takeFixed(src.subarray(0, col.length), indices, count, out, src.BYTES_PER_ELEMENT);
  // float64, int32, int64/timestamp share this path, as in takeData; Arrow checks the buffer
  // against the type at runtime.
  return makeData({ type: t as Float64, length: count, data: out, ...validity });
}
