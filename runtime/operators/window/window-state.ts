import type { RecordBatch, Schema } from "apache-arrow";
import { bucketByKeyGroup, IncompatibleStateError } from "../../state/key-groups.js";
import type { KeyTable } from "../../state/key-table.js";
import { checkStateMeta, restoredGroups } from "../../state/restore-checks.js";
import { timestampData } from "../../types/builders.js";
import { columnsOf, makeBatch, toFloat64 } from "../../types/column.js";
import type { GatheredSnapshot, OperatorSnapshot } from "../operator.js";
import type { Accumulator } from "./accumulator.js";
import type { SlotStore } from "./slots.js";
import type { WindowAggregateOptions } from "./window-config.js";

/**
 * Checkpoint format of the window operator: one Arrow batch per key group, one row per open
 * (key, window) slot — the key columns (dictionary keys as plain utf8), `window_start`,
 * `window_end`, then each accumulator's state columns (`<aggregate>.<part>`). Meta records the
 * watermark and the configuration the state belongs to, checked on restore.
 */

const VERSION = 1;

interface Common {
  operator: string;
  options: WindowAggregateOptions;
  schema: Schema;
  keys: KeyTable;
  keyed: boolean;
  accumulators: readonly Accumulator[];
}

function configOf(options: WindowAggregateOptions): Record<string, unknown> {
  const w = options.window;
  return {
    keys: options.keys,
    window: { type: w.type, size: w.size ?? null, slide: w.slide ?? null, gap: w.gap ?? null },
    aggregates: options.aggregates,
  };
}

/**
 * Copy-on-write: slots, keys and accumulators are updated in place, so the snapshot copies their
 * flat arrays now (a memcpy) and decides which open slot goes to which key group; each key group's
 * batch is gathered from those copies when the checkpoint writes it (see KeyGroupState).
 */
export function snapshotWindowState(ctx: Common & { watermark: number; slots: SlotStore }): OperatorSnapshot {
  const { slots, keys } = ctx;
  const live = slots.liveSlots();
  const buckets = bucketByKeyGroup((i) => keys.keyGroupOf(slots.group[live[i]]), live.length);
  const group = slots.group.slice();
  const start = slots.start.slice();
  const end = slots.end.slice();
  const frozenKeys = ctx.keyed ? keys.freeze() : null;
  const states = ctx.accumulators.map((a) => a.freeze(live));
  const gather = (entries: Int32Array): RecordBatch => {
    const m = entries.length;
    const ids = new Int32Array(m);
    const groups = new Int32Array(m);
    const starts = new Float64Array(m);
    const ends = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const s = live[entries[i]];
      ids[i] = s;
      groups[i] = group[s];
      starts[i] = start[s];
      ends[i] = end[s];
    }
    const columns = [
      ...(frozenKeys ? frozenKeys.keyColumns(groups, m, true) : []),
      timestampData(starts),
      timestampData(ends),
      ...states.flatMap((a) => a.stateColumns(ids, m)),
    ];
    return makeBatch(ctx.schema, columns, m);
  };
  const keyGroups = new Map<number, () => RecordBatch>();
  for (const [kg, entries] of buckets) keyGroups.set(kg, () => gather(entries));
  // JSON has no infinities: the watermark before any input is -Infinity, after the end +Infinity.
  const meta = { version: VERSION, watermark: String(ctx.watermark), ...configOf(ctx.options) };
  return { meta, keyGroups };
}

export interface RestoreTarget extends Common {
  /** Slots for restored rows, created or merged into; ids must stay valid until `finish`. */
  assignSlots(groups: Int32Array, starts: Float64Array, ends: Float64Array, n: number): Int32Array;
  finish(): void;
}

/** Folds a snapshot's key groups into the operator's state; returns the snapshot's watermark. */
export function restoreWindowState(snapshot: GatheredSnapshot, ctx: RestoreTarget): number {
  const meta = snapshot.meta;
  checkStateMeta(ctx.operator, meta, VERSION, configOf(ctx.options));
  const names = ctx.schema.fields.map((f) => f.name);
  const nk = ctx.keyed ? ctx.keys.fields.length : 0;
  for (const [kg, batch] of snapshot.keyGroups) {
    const got = batch.schema.fields.map((f) => f.name);
    if (got.join("\u0000") !== names.join("\u0000"))
      throw new IncompatibleStateError(
        ctx.operator,
        `key group ${kg} has columns [${got.join(", ")}], expected [${names.join(", ")}]`,
      );
    const n = batch.numRows;
    if (n === 0) continue;
    const cols = columnsOf(batch);
    const groups = restoredGroups(ctx.operator, ctx.keys, ctx.keyed, kg, cols, n);
    const rowSlots = ctx.assignSlots(groups, toFloat64(cols[nk]), toFloat64(cols[nk + 1]), n);
    let c = nk + 2;
    for (const a of ctx.accumulators) {
      a.restore(cols.slice(c, c + a.stateFields.length), rowSlots, n);
      c += a.stateFields.length;
    }
    ctx.finish();
  }
  return Number(meta.watermark);
}
