import { type Data, DataType } from "apache-arrow";
import { validityBytes } from "../types/column.js";
import { NATIVE_MIN_ROWS, native } from "./native.js";
import { combineColumnNative } from "./native-hash.js";
import type { NativeAddon } from "./native-loader.js";

/**
 * Row hashes of key columns. The hash decides a row's key group, and key groups decide which worker
 * owns a key, so it must be identical in every process and for every encoding of the same value
 * (a dictionary-encoded string hashes like the plain string). Murmur3's 32-bit mixing steps.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const NULL_HASH = 0x9e3779b9;

function mixK(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of UTF-8 bytes [start, end). */
export function hashBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed;
  let i = start;
  for (; i + 4 <= end; i += 4)
    h = mixK(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  let k = 0;
  for (let s = 0; i < end; i++, s += 8) k |= bytes[i] << s;
  h = mixK(h, k);
  return h ^ (end - start);
}

function combineColumn(col: Data, acc: Uint32Array): void {
  const n = col.length;
  const valid = validityBytes(col);
  const t = col.type;
  // Arrow-js slices value and offset buffers with the column; only bit buffers keep `offset`.
  const off = col.offset;
  if (DataType.isUtf8(t)) {
    const o = col.valueOffsets as Int32Array;
    const b = col.values as Uint8Array;
    for (let i = 0; i < n; i++)
      acc[i] = valid && !valid[i] ? mixK(acc[i], NULL_HASH) : hashBytes(b, o[i], o[i + 1], acc[i]);
    return;
  }
  if (DataType.isDictionary(t)) {
    // Hash each dictionary entry once per distinct seed is not possible (seeds differ per row),
    // so hash the entry bytes per row; dictionary lookups keep it cheap.
    const dict = col.dictionary!.data[0];
    const o = dict.valueOffsets as Int32Array;
    const b = dict.values as Uint8Array;
    const keys = col.values as Int32Array;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      acc[i] = valid && !valid[i] ? mixK(acc[i], NULL_HASH) : hashBytes(b, o[k], o[k + 1], acc[i]);
    }
    return;
  }
  if (DataType.isBool(t)) {
    const b = col.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      const j = off + i;
      acc[i] = mixK(acc[i], valid && !valid[i] ? NULL_HASH : ((b[j >> 3] >> (j & 7)) & 1) + 1);
    }
    return;
  }
  if (col.values instanceof BigInt64Array || col.values instanceof Float64Array) {
    // Two 32-bit halves of the 64-bit value (int64 bits, or float64 bits).
    const v = new Int32Array(col.values.buffer, col.values.byteOffset, n * 2);
    for (let i = 0; i < n; i++)
      acc[i] = valid && !valid[i] ? mixK(acc[i], NULL_HASH) : mixK(mixK(acc[i], v[2 * i]), v[2 * i + 1]);
    return;
  }
  const v = col.values as Int32Array;
  for (let i = 0; i < n; i++) acc[i] = mixK(acc[i], valid && !valid[i] ? NULL_HASH : v[i]);
}

/**
 * One 32-bit hash per row over the given key columns. `addon` picks the implementation (default:
 * the process-wide choice, see native.ts; null = TypeScript); both give identical hashes. `into`
 * (at least `length` long, reused by callers from batch to batch) receives them: the result is
 * its first `length` entries.
 */
export function hashRows(
  columns: Data[],
  length: number,
  addon: NativeAddon | null = native,
  into?: Uint32Array,
): Uint32Array {
  const acc = into && into.length >= length ? into.subarray(0, length).fill(0) : new Uint32Array(length);
  if (addon !== null && length >= NATIVE_MIN_ROWS) {
    for (const [k, col] of columns.entries()) {
      if (!combineColumnNative(addon, col, acc, k === 0)) combineColumn(col, acc);
    }
    addon.finalize(acc);
    return acc;
  }
  for (const col of columns) combineColumn(col, acc);
  for (let i = 0; i < length; i++) acc[i] = finalize(acc[i]);
  return acc;
}

/**
 * A 32-bit hash's key group: hash mod maxParallelism, in two int32 remainders. V8 computes `%` of a
 * value above 2^31 as a double (a call to fmod, about 15 ns); these stay in int32 because
 * maxParallelism is at most 32,768 (the manifest's bound), so the first step's result shifted up
 * by 16 bits plus the low half stays below 2^31.
 */
export function keyGroupOf(hash: number, maxParallelism: number): number {
  return ((((hash >>> 16) % maxParallelism) << 16) + (hash & 0xffff)) % maxParallelism;
}

/**
 * Key group of each row: hash mod maxParallelism (the unit of state redistribution). The engine
 * uses the TypeScript loop: with keyGroupOf's int32 remainders it measured 1.3x the native kernel
 * (`npm run bench:kernels`), which stays for that benchmark and the equivalence tests.
 */
export function keyGroups(hashes: Uint32Array, maxParallelism: number, addon: NativeAddon | null = null): Uint16Array {
  const out = new Uint16Array(hashes.length);
  if (addon !== null && hashes.length >= NATIVE_MIN_ROWS) {
    addon.keyGroups(hashes, maxParallelism, out);
    return out;
  }
  for (let i = 0; i < hashes.length; i++) out[i] = keyGroupOf(hashes[i], maxParallelism);
  return out;
}

/**
 * The subtask that owns a key group: contiguous ranges, as in Flink, so rescaling moves whole
 * ranges of key groups between workers.
 */
export function subtaskForKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The key groups [start, end) that a subtask owns. */
export function keyGroupRange(subtask: number, parallelism: number, maxParallelism: number): [number, number] {
  const start = Math.ceil((subtask * maxParallelism) / parallelism);
  const end = Math.ceil(((subtask + 1) * maxParallelism) / parallelism);
  return [start, end];
}
