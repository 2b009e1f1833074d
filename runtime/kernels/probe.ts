import { NATIVE_MIN_ROWS } from "./native.js";
import type { NativeAddon } from "./native-loader.js";

/**
 * Pass 1 of a keyed-state lookup (the loop in runtime/state/key-table.ts): for each row, the first
 * group in the open-addressing table whose stored 32-bit hash equals the row's hash, or -1 where
 * the probe reaches an empty slot. `addon` = the native twin; null = TypeScript; both agree.
 *
 * Measured and dropped: the native probe is 1.3-1.4x the TypeScript loop (random slot reads bound
 * both), under the 2x bar, so KeyTable keeps its own TypeScript loop. This stays for the kernel
 * benchmark and the equivalence tests, to re-measure on other hardware.
 */
export function probeByHash(
  hashes: Uint32Array,
  slots: Int32Array,
  mask: number,
  groupHashes: Uint32Array,
  groupCount: number,
  out: Int32Array,
  n = hashes.length,
  addon: NativeAddon | null = null,
): void {
  if (addon !== null && n >= NATIVE_MIN_ROWS) {
    addon.probeHash(n === hashes.length ? hashes : hashes.subarray(0, n), slots, mask, groupHashes, groupCount, out);
    return;
  }
  for (let i = 0; i < n; i++) {
    const h = hashes[i];
    let p = h & mask;
    let g = slots[p];
    while (g >= 0 && groupHashes[g] !== h) {
      p = (p + 1) & mask;
      g = slots[p];
    }
    out[i] = g;
  }
}
