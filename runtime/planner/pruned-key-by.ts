import { type RecordBatch, Schema } from "apache-arrow";
import { ProjectingKeyBy } from "../operators/projecting-key-by.js";
import { columnsOf, makeBatch } from "../types/column.js";
import type { StreamInfo } from "../types/stream-info.js";

/**
 * A keyBy that passes on only the columns later steps read (prune-columns.ts decides which), so
 * the network carries the kept columns only. Projecting takes column references, no copy.
 */
export class PrunedKeyBy extends ProjectingKeyBy {
  /** Index in the input of each kept column. */
  private readonly kept: number[];

  constructor(name: string, input: StreamInfo, keys: string[], keep: string[]) {
    const fields = input.schema.fields;
    const kept = keep.map((n) => fields.findIndex((f) => f.name === n));
    const schema = new Schema(
      kept.map((i) => fields[i]!),
      input.schema.metadata,
    );
    super(name, { ...input, schema }, keys);
    this.kept = kept;
  }

  /** A batch of the input stream with the kept columns only (what the exchange sends). */
  project(batch: RecordBatch): RecordBatch {
    const columns = columnsOf(batch);
    return makeBatch(
      this.output.schema,
      this.kept.map((i) => columns[i]!),
      batch.numRows,
    );
  }
}
