import { type Data, makeData, makeVector, type RecordBatch, type Vector } from "apache-arrow";
import { takeData } from "../kernels/take.js";
import { columnsOf, makeBatch, packValidity, validityBytes } from "../types/column.js";

/**
 * The batch with each dictionary column's dictionary cut down to the entries its rows use, and
 * the keys renumbered to match. Why: a message of the `arrow` format is read alone, so it carries
 * its dictionaries whole; the Nexmark generator's url and channel dictionaries hold 10,004
 * entries each (about 1 MB), so a slice of 64 rows weighed as much as the broker's message limit
 * and every message repeated them. Columns whose rows use every entry pass through untouched.
 */
export function compactDictionaries(batch: RecordBatch): RecordBatch {
  const cols = columnsOf(batch);
  // Columns that share a dictionary (`select b, b AS b2`) must keep sharing one: an IPC stream
  // holds one dictionary per id. So keys are renumbered per dictionary, over all its columns.
  const byDictionary = new Map<Vector, number[]>();
  cols.forEach((col, i) => {
    if (col.dictionary?.data.length !== 1 || !(col.values instanceof Int32Array)) return;
    byDictionary.set(col.dictionary, [...(byDictionary.get(col.dictionary) ?? []), i]);
  });
  let changed = false;
  const out = cols.slice();
  for (const [dictionary, members] of byDictionary) {
    const compacted = compactGroup(
      dictionary.data[0],
      members.map((i) => cols[i]),
    );
    if (!compacted) continue;
    changed = true;
    members.forEach((i, j) => {
      out[i] = compacted[j];
    });
  }
  return changed ? makeBatch(batch.schema, out, batch.numRows) : batch;
}

/** The columns over `entries` with a dictionary of the entries they use; null when they use all. */
function compactGroup(entries: Data, cols: Data[]): Data[] | null {
  const renumber = new Int32Array(entries.length).fill(-1);
  const used = new Int32Array(entries.length);
  let count = 0;
  const keys = cols.map((col) => {
    const valid = validityBytes(col);
    // arrow-js slices value buffers with the Data (its offset then applies to the validity bitmap only).
    const from = col.values as Int32Array;
    const to = new Int32Array(col.length);
    for (let i = 0; i < col.length; i++) {
      if (valid && !valid[i]) continue;
      const k = from[i];
      if (renumber[k] < 0) {
        renumber[k] = count;
        used[count++] = k;
      }
      to[i] = renumber[k];
    }
    return { to, valid };
  });
  if (count === entries.length) return null;
  const dictionary = makeVector(takeData(entries, used, count));
  return cols.map((col, j) => {
    const { to, valid } = keys[j];
    return makeData({
      type: col.type,
      length: col.length,
      data: to,
      dictionary,
      ...(valid ? { nullBitmap: packValidity(valid, col.length).bitmap, nullCount: col.nullCount } : { nullCount: 0 }),
    } as never) as Data;
  });
}
