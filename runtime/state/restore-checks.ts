import type { Data } from "apache-arrow";
import { IncompatibleStateError } from "./key-groups.js";
import type { KeyTable } from "./key-table.js";

/**
 * Checks an operator snapshot's meta against the step restoring it: the format version, and each
 * configuration entry the state depends on (keys, aggregates, order, ...), compared as JSON.
 */
export function checkStateMeta(
  operator: string,
  meta: Record<string, unknown>,
  version: number,
  config: Record<string, unknown>,
): void {
  if (meta.version !== version)
    throw new IncompatibleStateError(
      operator,
      `checkpoint format version ${String(meta.version)}, this build reads ${version}`,
    );
  for (const [k, v] of Object.entries(config))
    if (JSON.stringify(meta[k]) !== JSON.stringify(v))
      throw new IncompatibleStateError(
        operator,
        `the state was written with ${k} ${JSON.stringify(meta[k])}, the step now has ${JSON.stringify(v)}`,
      );
}

/**
 * The group ids of restored rows whose first `keyCount` columns are keys (none: the one global
 * group), checking that each key hashes to the key group it was stored under.
 */
export function restoredGroups(
  operator: string,
  keys: KeyTable,
  keyed: boolean,
  keyGroup: number,
  cols: Data[],
  n: number,
): Int32Array {
  let groups: Int32Array;
  if (keyed) groups = keys.insert(cols.slice(0, keys.fields.length), n);
  else {
    if (keys.size === 0) keys.insert([], 1);
    groups = new Int32Array(n);
  }
  for (let i = 0; i < n; i++)
    if (keys.keyGroupOf(groups[i]) !== keyGroup)
      throw new IncompatibleStateError(
        operator,
        `a key stored under key group ${keyGroup} hashes to key group ${keys.keyGroupOf(groups[i])}: maxParallelism must not change between runs`,
      );
  return groups;
}
