import { type Data, Field, Int32, type RecordBatch, Schema } from "apache-arrow";
import { keyGroups } from "../../kernels/hash.js";
import { takeData } from "../../kernels/take.js";
import { int32Data } from "../../types/builders.js";
import { makeBatch } from "../../types/column.js";
import { ColumnStore } from "./column-store.js";
import { unslicedColumns } from "./columns.js";

/**
 * One input of a two-input join, as its snapshot sees it: the window join's panes (JoinSide) or
 * the regular and interval joins' keyed rows (JoinState).
 */
export interface SnapshotSide {
  readonly fields: Field[];
  /** Buffered rows as of now, as views that later appends leave alone, with each row's key hash. */
  buffers(): Iterable<{ columns: Data[]; length: number; hashes: Uint32Array }>;
  /** Re-buffers restored rows (their columns from row 0) without dropping any as late. */
  restoreRows(cols: Data[], n: number, watermark: number): void;
}

/**
 * Checkpoint format of a two-input join's buffers: one batch per key group holding the rows of both
 * sides, as `__side` (0 left, 1 right), then every left column (`l.<name>`), then every right
 * column (`r.<name>`); a row's columns of the other side are null. A row's key group is its key
 * hash (the width-normalised hash both sides share) modulo maxParallelism, so equal keys of the
 * two sides land in the same group. Panes are not stored: they follow from the event time. The
 * window, interval and regular joins share the format (not each other's snapshots: restoring one
 * join's state into another kind is refused by the checkpoint's operator ids, not here).
 */

function snapshotFields(sides: [SnapshotSide, SnapshotSide]): Field[] {
  return [
    new Field("__side", new Int32(), false),
    ...sides[0].fields.map((f) => new Field(`l.${f.name}`, f.type, true)),
    ...sides[1].fields.map((f) => new Field(`r.${f.name}`, f.type, true)),
  ];
}

/** A pane's rows as of the snapshot: views that later appends, evictions and re-packs leave alone. */
interface CapturedPane {
  side: number;
  columns: Data[];
  length: number;
  /** Each row's key group. */
  groups: Uint16Array;
  /** Rows ordered by key group (counting sort), and the snapshot's columns (`__side`, left, right), made when first gathered. */
  order: Int32Array | null;
  snapshotColumns: (Data | null)[] | null;
  /** Start of each key group's rows in `order` (maxParallelism + 1 entries). */
  starts: Int32Array;
}

/**
 * The sides' rows per key group. Only the pane views and key groups are taken now; each key
 * group's batch is gathered when the checkpoint writes it (see KeyGroupState).
 */
export function snapshotSides(
  sides: [SnapshotSide, SnapshotSide],
  maxParallelism: number,
): Map<number, () => RecordBatch> {
  const fields = snapshotFields(sides);
  const panes: CapturedPane[] = [];
  const present = new Uint8Array(maxParallelism);
  sides.forEach((side, s) => {
    for (const pane of side.buffers()) {
      const length = pane.length;
      if (length === 0) continue;
      const groups = keyGroups(pane.hashes, maxParallelism);
      const starts = new Int32Array(maxParallelism + 1);
      for (let i = 0; i < length; i++) starts[groups[i] + 1]++;
      for (let g = 0; g < maxParallelism; g++) {
        if (starts[g + 1] > 0) present[g] = 1;
        starts[g + 1] += starts[g];
      }
      panes.push({
        side: s,
        columns: pane.columns,
        length,
        groups,
        order: null,
        snapshotColumns: null,
        starts,
      });
    }
  });
  // One set of dictionaries for all key groups: each pane dictionary is re-keyed once, not per group.
  const dictionaries = new ColumnStore(fields).dictionaries();
  const schema = new Schema(fields);
  const gather = (g: number): RecordBatch => {
    const store = new ColumnStore(fields, dictionaries);
    for (const p of panes) {
      const count = p.starts[g + 1] - p.starts[g];
      if (count === 0) continue;
      const order = (p.order ??= sortByGroup(p));
      const cols = (p.snapshotColumns ??= snapshotColumns(p, sides[1 - p.side].fields.length));
      store.append(cols, order.subarray(p.starts[g], p.starts[g + 1]), count);
    }
    return makeBatch(schema, store.columns(), store.length);
  };
  const out = new Map<number, () => RecordBatch>();
  for (let g = 0; g < maxParallelism; g++) if (present[g]) out.set(g, () => gather(g));
  return out;
}

/** The pane's rows as snapshot columns: its side, then its own columns, with nulls for the other side's. */
function snapshotColumns(p: CapturedPane, otherFields: number): (Data | null)[] {
  const other: null[] = new Array<null>(otherFields).fill(null);
  const side = int32Data(new Int32Array(p.length).fill(p.side));
  return [side, ...(p.side === 0 ? [...p.columns, ...other] : [...other, ...p.columns])];
}

function sortByGroup(p: CapturedPane): Int32Array {
  const order = new Int32Array(p.length);
  const fill = p.starts.slice(0, -1);
  for (let i = 0; i < p.length; i++) order[fill[p.groups[i]]++] = i;
  return order;
}

/** A join's watermark as snapshot metadata (JSON has no infinities). */
export function watermarkMeta(watermark: number): Record<string, unknown> {
  return { watermark: Number.isFinite(watermark) ? watermark : null, watermarkInfinite: watermark === Infinity };
}

/** The watermark of a join snapshot's metadata (see watermarkMeta). */
export function watermarkOf(meta: Record<string, unknown>): number {
  if (typeof meta.watermark === "number") return meta.watermark;
  return meta.watermarkInfinite === true ? Infinity : -Infinity;
}

/** Re-buffers the rows of a snapshot (from any number of subtasks' key groups). */
export function restoreSides(
  sides: [SnapshotSide, SnapshotSide],
  keyGroups: Map<number, RecordBatch>,
  watermark: number,
): void {
  const nl = sides[0].fields.length;
  const nr = sides[1].fields.length;
  for (const batch of keyGroups.values()) {
    const n = batch.numRows;
    if (n === 0) continue;
    const cols = unslicedColumns(batch);
    if (cols.length !== 1 + nl + nr)
      throw new Error(
        `join snapshot has ${cols.length} columns, expected ${1 + nl + nr}: was it taken with other input schemas?`,
      );
    const side = cols[0].values as Int32Array;
    for (let s = 0; s < 2; s++) {
      const sel = new Int32Array(n);
      let count = 0;
      for (let i = 0; i < n; i++) if (side[i] === s) sel[count++] = i;
      if (count === 0) continue;
      const own = s === 0 ? cols.slice(1, 1 + nl) : cols.slice(1 + nl);
      const picked = count === n ? own : own.map((c) => takeData(c, sel, count));
      sides[s].restoreRows(picked, count, watermark);
    }
  }
}
