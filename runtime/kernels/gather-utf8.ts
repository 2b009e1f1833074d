import { NATIVE_MIN_ROWS, native } from "./native.js";
import type { NativeAddon } from "./native-loader.js";

/**
 * Appends the utf8 values of rows `sel[0..count)` into a growing string buffer: offsets
 * out[1..count] (absolute, continuing from out[0] = pos) and the bytes at bytes[pos..]. The
 * caller has made `bytes` large enough. The kernel behind the windowed join's buffers
 * (runtime/operators/join/column-store.ts). `addon`: the native byte copy (default: the process-wide
 * choice; null = TypeScript); offsets are computed here either way.
 */
export function gatherUtf8Into(
  srcOffsets: Int32Array,
  srcBytes: Uint8Array,
  sel: Int32Array,
  count: number,
  out: Int32Array,
  bytes: Uint8Array,
  addon: NativeAddon | null = native,
): void {
  let pos = out[0];
  if (addon !== null && count >= NATIVE_MIN_ROWS) {
    for (let k = 0; k < count; k++) {
      const j = sel[k];
      pos += srcOffsets[j + 1] - srcOffsets[j];
      out[k + 1] = pos;
    }
    addon.takeUtf8Bytes(srcOffsets, srcBytes, sel, count, out, bytes);
    return;
  }
  for (let k = 0; k < count; k++) {
    const j = sel[k];
    const a = srcOffsets[j];
    const len = srcOffsets[j + 1] - a;
    if (len <= 16) for (let b = 0; b < len; b++) bytes[pos + b] = srcBytes[a + b];
    else bytes.set(srcBytes.subarray(a, a + len), pos);
    pos += len;
    out[k + 1] = pos;
  }
}
