/**
 * Splitting keyed state by key group, the unit in which checkpoints store state and rescaling
 * moves it (runtime/kernels/hash.ts assigns key groups to subtasks in contiguous ranges).
 */

/**
 * Entries 0..count-1 bucketed by their key group: for each key group present, the entry indices
 * in ascending order. A counting sort: two passes, no per-entry objects.
 */
export function bucketByKeyGroup(keyGroupOf: (entry: number) => number, count: number): Map<number, Int32Array> {
  const kgs = new Int32Array(count);
  let maxKg = -1;
  for (let i = 0; i < count; i++) {
    kgs[i] = keyGroupOf(i);
    if (kgs[i] > maxKg) maxKg = kgs[i];
  }
  const starts = new Int32Array(maxKg + 2);
  for (let i = 0; i < count; i++) starts[kgs[i] + 1]++;
  for (let k = 0; k <= maxKg; k++) starts[k + 1] += starts[k];
  const order = new Int32Array(count);
  const fill = starts.slice(0, maxKg + 1);
  for (let i = 0; i < count; i++) order[fill[kgs[i]]++] = i;
  const out = new Map<number, Int32Array>();
  for (let k = 0; k <= maxKg; k++) if (starts[k + 1] > starts[k]) out.set(k, order.subarray(starts[k], starts[k + 1]));
  return out;
}

/** A checkpoint whose state cannot be restored into this operator (different keys, aggregates...). */
export class IncompatibleStateError extends Error {
  constructor(operator: string, detail: string) {
    super(
      `cannot restore the state of ${operator}: ${detail}. Start from a savepoint taken with the same step, or without state.`,
    );
    this.name = "IncompatibleStateError";
  }
}
