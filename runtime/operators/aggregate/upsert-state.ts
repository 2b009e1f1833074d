import type { RecordBatch, Schema } from "apache-arrow";
import { bucketByKeyGroup, IncompatibleStateError } from "../../state/key-groups.js";
import type { KeyTable } from "../../state/key-table.js";
import { checkStateMeta, restoredGroups } from "../../state/restore-checks.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { GatheredSnapshot, OperatorSnapshot } from "../operator.js";
import type { Accumulator } from "../window/accumulator.js";

/**
 * Checkpoint format of the upsert aggregate: one Arrow batch per key group, one row per key — the
 * key columns (dictionary keys as plain utf8), then each accumulator's state columns. Meta records
 * the configuration the state belongs to, checked on restore. Slot id = group id (see the operator).
 */

const VERSION = 1;

export interface UpsertStateContext {
  operator: string;
  config: Record<string, unknown>;
  schema: Schema;
  keys: KeyTable;
  keyed: boolean;
  accumulators: readonly Accumulator[];
}

/** Copy-on-write as the window operator's: flat arrays are copied now, batches gathered later. */
export function snapshotUpsertState(ctx: UpsertStateContext, live: Int32Array): OperatorSnapshot {
  const { keys } = ctx;
  const buckets = bucketByKeyGroup((i) => keys.keyGroupOf(live[i]), live.length);
  const frozenKeys = ctx.keyed ? keys.freeze() : null;
  const states = ctx.accumulators.map((a) => a.freeze(live));
  const gather = (entries: Int32Array): RecordBatch => {
    const m = entries.length;
    const ids = new Int32Array(m);
    for (let i = 0; i < m; i++) ids[i] = live[entries[i]];
    const columns = [
      ...(frozenKeys ? frozenKeys.keyColumns(ids, m, true) : []),
      ...states.flatMap((a) => a.stateColumns(ids, m)),
    ];
    return makeBatch(ctx.schema, columns, m);
  };
  const keyGroups = new Map<number, () => RecordBatch>();
  for (const [kg, entries] of buckets) keyGroups.set(kg, () => gather(entries));
  return { meta: { version: VERSION, ...ctx.config }, keyGroups };
}

/** Folds a snapshot's key groups into the operator's state; `allocate` gives new keys their slots. */
export function restoreUpsertState(snapshot: GatheredSnapshot, ctx: UpsertStateContext, allocate: () => void): void {
  checkStateMeta(ctx.operator, snapshot.meta, VERSION, ctx.config);
  const names = ctx.schema.fields.map((f) => f.name).join("\u0000");
  const nk = ctx.keyed ? ctx.keys.fields.length : 0;
  for (const [kg, batch] of snapshot.keyGroups) {
    if (batch.schema.fields.map((f) => f.name).join("\u0000") !== names)
      throw new IncompatibleStateError(ctx.operator, `key group ${kg} has columns other than this step's state`);
    const n = batch.numRows;
    if (n === 0) continue;
    const cols = columnsOf(batch);
    const groups = restoredGroups(ctx.operator, ctx.keys, ctx.keyed, kg, cols, n);
    allocate();
    let c = nk;
    for (const a of ctx.accumulators) {
      a.restore(cols.slice(c, c + a.stateFields.length), groups, n);
      c += a.stateFields.length;
    }
  }
}
