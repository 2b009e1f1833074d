import type { Data, RecordBatch, Schema } from "apache-arrow";
import type { Partitioning } from "../../engine/graph.js";
import { hashRows, keyGroupOf, subtaskForKeyGroup } from "../../kernels/hash.js";
import { takeBatch } from "../../kernels/take.js";
import { hashColumns } from "../../operators/join/keys.js";
import { columnsOf } from "../../types/column.js";

/**
 * Splits each batch by the subtask that owns its rows: key group = hash % maxParallelism (the same
 * hash the receiving operator uses for its state), owner = subtaskForKeyGroup. One pass to hash,
 * one counting pass, then one gather per destination; a batch whose rows all go to one subtask
 * is passed on as it is.
 */
export class Partitioner {
  private readonly keyIndexes: number[];
  /** The subtask of each key group. */
  private readonly owners: Uint16Array;

  constructor(
    private readonly partitioning: Partitioning,
    schema: Schema,
    private readonly parallelism: number,
    private readonly maxParallelism: number,
  ) {
    if (partitioning.kind === "hash") {
      this.keyIndexes = partitioning.columns.map((c) => {
        const i = schema.fields.findIndex((f) => f.name === c);
        if (i < 0)
          throw new Error(
            `exchange key column "${c}" is not in the stream (columns: ${schema.fields.map((f) => f.name).join(", ")})`,
          );
        return i;
      });
    } else this.keyIndexes = [];
    this.owners = new Uint16Array(maxParallelism);
    for (let g = 0; g < maxParallelism; g++) this.owners[g] = subtaskForKeyGroup(g, parallelism, maxParallelism);
  }

  /** The destination subtask of every row. */
  destinations(batch: RecordBatch): Uint16Array {
    const n = batch.numRows;
    const out = new Uint16Array(n);
    if (this.partitioning.kind === "single" || this.parallelism === 1) return out;
    const cols = columnsOf(batch);
    const keyCols: Data[] = this.keyIndexes.map((i) => cols[i]);
    const hashes = hashRows(hashColumns(keyCols, this.partitioning.widths), n);
    const { maxParallelism, owners } = this;
    for (let i = 0; i < n; i++) out[i] = owners[keyGroupOf(hashes[i], maxParallelism)];
    return out;
  }

  /** Rows for each subtask (null where none). */
  split(batch: RecordBatch): (RecordBatch | null)[] {
    const p = this.parallelism;
    const parts: (RecordBatch | null)[] = new Array(p).fill(null);
    if (batch.numRows === 0) return parts;
    const dest = this.destinations(batch);
    const counts = new Int32Array(p);
    for (let i = 0; i < dest.length; i++) counts[dest[i]]++;
    for (let j = 0; j < p; j++)
      if (counts[j] === dest.length) {
        parts[j] = batch;
        return parts;
      }
    const starts = new Int32Array(p + 1);
    for (let j = 0; j < p; j++) starts[j + 1] = starts[j] + counts[j];
    const order = new Int32Array(dest.length);
    const fill = starts.slice(0, p);
    for (let i = 0; i < dest.length; i++) order[fill[dest[i]]++] = i;
    for (let j = 0; j < p; j++)
      if (counts[j] > 0) parts[j] = takeBatch(batch, order.subarray(starts[j], starts[j + 1]), counts[j]);
    return parts;
  }
}
