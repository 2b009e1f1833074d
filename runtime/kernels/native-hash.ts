import { type Data, DataType } from "apache-arrow";
import type { NativeAddon } from "./native-loader.js";

/**
 * Folds one key column into the row-hash accumulator with the native kernels, reading the Arrow
 * buffers in place. Returns false for a column layout the addon does not cover (e.g. int8/int16
 * or non-int32 dictionary keys), which the caller then hashes in TypeScript: results are the same.
 */
export function combineColumnNative(addon: NativeAddon, col: Data, all: Uint32Array, first = false): boolean {
  // The TS kernel hashes min(column, accumulator) rows; the addon hashes acc.length rows.
  const acc = col.length >= all.length ? all : all.subarray(0, col.length);
  // Same rule as validityBytes(): no bitmap, or no nulls, means every row is valid.
  const validity = col.nullCount === 0 || !col.nullBitmap || col.nullBitmap.length === 0 ? null : col.nullBitmap;
  const t = col.type;
  const off = col.offset;
  if (DataType.isUtf8(t)) {
    addon.hashUtf8(acc, col.valueOffsets as Int32Array, col.values as Uint8Array, validity, off);
    return true;
  }
  if (DataType.isDictionary(t)) {
    const dict = col.dictionary?.data[0];
    if (!(col.values instanceof Int32Array) || dict === undefined || !DataType.isUtf8(dict.type)) return false;
    // Only the dictionary's own offsets: one read back from Arrow IPC carries padding entries
    // (zeros) after them, which the addon's monotonic check would refuse.
    const offsets = (dict.valueOffsets as Int32Array).subarray(0, dict.length + 1);
    addon.hashDict(acc, col.values, offsets, dict.values as Uint8Array, validity, off, first);
    return true;
  }
  if (DataType.isBool(t)) {
    addon.hashBool(acc, col.values as Uint8Array, validity, off);
    return true;
  }
  if (col.values instanceof BigInt64Array || col.values instanceof Float64Array) {
    addon.hash64(acc, col.values, validity, off);
    return true;
  }
  if (col.values instanceof Int32Array) {
    addon.hash32(acc, col.values, validity, off);
    return true;
  }
  return false;
}
