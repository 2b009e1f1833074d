import type { Data } from "apache-arrow";
import type { KeyTable } from "../../state/key-table.js";

/**
 * The group id of each of the first `n` rows, written into `out` (at least `n` long): the key
 * table's id of the row's key columns, or 0 for every row when there are no keys.
 */
export function groupIdsOf(
  keys: KeyTable,
  keyIndexes: readonly number[],
  cols: Data[],
  n: number,
  out: Int32Array,
): Int32Array {
  if (keyIndexes.length > 0)
    return keys.insert(
      keyIndexes.map((i) => cols[i]),
      n,
      out,
    );
  // One global group: look it up once instead of hashing every row.
  if (keys.size === 0) keys.insert([], 1);
  return out.fill(0, 0, n);
}
