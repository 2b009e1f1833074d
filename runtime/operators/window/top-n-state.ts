import type { RecordBatch } from "apache-arrow";
import { concatData } from "../../kernels/take.js";
import { bucketByKeyGroup } from "../../state/key-groups.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { Kept } from "./top-n-order.js";

/** The options a top-N checkpoint records, so a restore with other options is refused. */
export function topNStateConfig(options: {
  partitionBy: string[];
  orderBy: string[];
  limit: number;
}): Record<string, unknown> {
  const { partitionBy, orderBy, limit } = options;
  return { partitionBy, orderBy, limit };
}

/**
 * The kept rows of every group, one batch per key group (of the group's key), for a checkpoint.
 * `gather` takes the rows out of their retained batches; it runs now because retained batches
 * are released as rows leave, so a later gather could not find them.
 */
export function keptRowsByKeyGroup(
  groups: Iterable<readonly [number, readonly Kept[]]>,
  keyGroupOf: (group: number) => number,
  gather: (rows: { k: Kept; place: number }[]) => RecordBatch,
): Map<number, RecordBatch> {
  const entries = [...groups].flatMap(([g, rows]) => rows.map((k) => ({ g, k })));
  const buckets = bucketByKeyGroup((i) => keyGroupOf(entries[i].g), entries.length);
  const keyGroups = new Map<number, RecordBatch>();
  for (const [kg, idx] of buckets) keyGroups.set(kg, gather(Array.from(idx, (i) => ({ k: entries[i].k, place: 0 }))));
  return keyGroups;
}

/** The rows of `parts` (one schema) in order, as one batch. */
export function concatBatches(parts: RecordBatch[]): RecordBatch {
  if (parts.length === 1) return parts[0];
  const cols = parts.map(columnsOf);
  const n = parts.reduce((sum, p) => sum + p.numRows, 0);
  return makeBatch(
    parts[0].schema,
    cols[0].map((_, c) => concatData(cols.map((p) => p[c]))),
    n,
  );
}
