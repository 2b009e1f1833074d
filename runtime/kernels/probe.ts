import { NATIVE_MIN_ROWS } from "./native.js";
import type { NativeAddon } from "./native-loader.js";

/**
 * Pass 1 of a keyed-state lookup (the loop in runtime/state/key-table.ts): for each row, the first
 * group in the open-addressing table whose stored 32-bit hash equals the row's hash, or -1 where
 * the probe reaches an empty slot. `addon` = the native twin; null = TypeScript; both agree.
 *
 * Measured and dropped: the native probe is 1.3-1.4x the TypeScript loop (random slot reads bound
 * both), under the 2x bar. This stays for the kernel benchmark and the equivalence tests, to
 * re-measure on other hardware. What KeyTable does use natively is the whole lookup of a single
 * 64-bit key column (lookupInsert64 below: probe, compare and insert in one call), which measured
 * 2.4-4.4x its TypeScript twin (`npm run bench:agg`, key-table lookup).
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

/**
 * The native lookup of one 64-bit key column (native/src/probe_kernels.cc): probe, compare and add
 * new keys in one call over KeyTable's arrays (slots as group/hash pairs). Returns the new group
 * count. The caller has made room for every row to be a new group.
 */
export type LookupInsert64 = (
  hashes: Uint32Array,
  keys: Int32Array,
  inValid: Uint8Array | null,
  slots: Int32Array,
  mask: number,
  groupHashes: Uint32Array,
  keyGroups: Uint16Array,
  lo: Int32Array,
  hi: Int32Array,
  valid: Uint8Array,
  count: number,
  maxParallelism: number,
  add: 0 | 1,
  out: Int32Array,
) => number;

/** The addon's lookupInsert64, or null without an addon or with a build from before it existed. */
export function lookupInsert64Of(addon: NativeAddon | null): LookupInsert64 | null {
  const f = (addon as { lookupInsert64?: unknown } | null)?.lookupInsert64;
  if (typeof f !== "function") return null;
  const fn = f as (...args: unknown[]) => number;
  return (...args) => fn.apply(addon, args);
}
