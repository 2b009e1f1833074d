import { type Data, Field, Int32, type RecordBatch, Schema } from "apache-arrow";
import { keyGroups } from "../../kernels/hash.js";
import { makeBatch } from "../../types/column.js";
import { int32Data } from "../../types/builders.js";
import { takeData } from "../../types/take.js";
import { ColumnStore } from "./column-store.js";
import { unslicedColumns } from "./columns.js";
import type { JoinSide } from "./window-join-side.js";

/**
 * Checkpoint format of a windowed join's buffers: one batch per key group holding the rows of both
 * sides, as `__side` (0 left, 1 right), then every left column (`l.<name>`), then every right
 * column (`r.<name>`); a row's columns of the other side are null. A row's key group is its key
 * hash (the width-normalised hash both sides share) modulo maxParallelism, so equal keys of the
 * two sides land in the same group. Panes are not stored: they follow from the event time.
 */

function snapshotFields(sides: [JoinSide, JoinSide]): Field[] {
  return [
    new Field("__side", new Int32(), false),
    ...sides[0].fields.map((f) => new Field(`l.${f.name}`, f.type, true)),
    ...sides[1].fields.map((f) => new Field(`r.${f.name}`, f.type, true)),
  ];
}

export function snapshotSides(sides: [JoinSide, JoinSide], maxParallelism: number): Map<number, RecordBatch> {
  const fields = snapshotFields(sides);
  const stores = new Map<number, ColumnStore>();
  const counts = new Int32Array(maxParallelism + 1);
  sides.forEach((side, s) => {
    for (const pane of side.panes.values()) {
      const n = pane.store.length;
      if (n === 0) continue;
      const kg = keyGroups(pane.hashes.view(), maxParallelism);
      // Counting sort of the pane's rows by key group.
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[kg[i] + 1]++;
      for (let g = 0; g < maxParallelism; g++) counts[g + 1] += counts[g];
      const sorted = new Int32Array(n);
      const fill = counts.slice(0, maxParallelism);
      for (let i = 0; i < n; i++) sorted[fill[kg[i]]++] = i;
      const own = pane.store.columns();
      const other = sides[1 - s].fields.map(() => null);
      const cols: (Data | null)[] = [int32Data(new Int32Array(n).fill(s)), ...(s === 0 ? [...own, ...other] : [...other, ...own])];
      for (let g = 0; g < maxParallelism; g++) {
        const count = counts[g + 1] - counts[g];
        if (count === 0) continue;
        let store = stores.get(g);
        if (!store) stores.set(g, (store = new ColumnStore(fields)));
        store.append(cols, sorted.subarray(counts[g], counts[g + 1]), count);
      }
    }
  });
  const schema = new Schema(fields);
  const out = new Map<number, RecordBatch>();
  for (const [g, store] of [...stores].sort((a, b) => a[0] - b[0])) out.set(g, makeBatch(schema, store.columns(), store.length));
  return out;
}

/** Re-buffers the rows of a snapshot (from any number of subtasks' key groups). */
export function restoreSides(sides: [JoinSide, JoinSide], keyGroups: Map<number, RecordBatch>, watermark: number): void {
  const nl = sides[0].fields.length;
  const nr = sides[1].fields.length;
  for (const batch of keyGroups.values()) {
    const n = batch.numRows;
    if (n === 0) continue;
    const cols = unslicedColumns(batch);
    if (cols.length !== 1 + nl + nr)
      throw new Error(`window join snapshot has ${cols.length} columns, expected ${1 + nl + nr}: was it taken with other input schemas?`);
    const side = cols[0].values as Int32Array;
    for (let s = 0; s < 2; s++) {
      const sel = new Int32Array(n);
      let count = 0;
      for (let i = 0; i < n; i++) if (side[i] === s) sel[count++] = i;
      if (count === 0) continue;
      const own = s === 0 ? cols.slice(1, 1 + nl) : cols.slice(1 + nl);
      const picked = count === n ? own : own.map((c) => takeData(c, sel, count));
      sides[s].add(picked, count, watermark);
    }
  }
}
