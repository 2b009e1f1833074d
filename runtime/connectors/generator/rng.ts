/**
 * Counter-based randomness: every random value is a hash of (seed, event index, stream number),
 * never the state of a sequential RNG. That is what makes a generator deterministic however its
 * events are cut into batches or spread over splits: event k is the same wherever it is made.
 */

/** A 32-bit integer hash with good avalanche (Wellons' "lowbias32"). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_32 = 4294967296;

/** Seed folded into a 32-bit key (seeds are any safe integer). */
export function seedKey(seed: number): number {
  return mix32((seed >>> 0) ^ mix32(Math.floor(seed / TWO_32) ^ 0x5bd1e995));
}

/** The root hash of event k (k < 2^53) under a seed key. */
export function eventHash(key: number, k: number): number {
  const h = mix32((k >>> 0) ^ key);
  // Above 2^32 events the high word is folded in too; below it (the common case) one mix is enough.
  return k < TWO_32 ? h : mix32(h ^ Math.imul((k / TWO_32) | 0, 0x85ebca6b));
}

/** Another independent 32-bit value derived from a hash (stream 1, 2, ...). */
export function nextHash(h: number, stream: number): number {
  return mix32((h + Math.imul(stream, 0x9e3779b9)) | 0);
}

/** A uniform integer in [0, n) from a 32-bit hash (n ≤ 2^32). */
export function below(h: number, n: number): number {
  return Math.floor(h * (n / TWO_32));
}

/** A uniform double in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return h / TWO_32;
}
