import { type RecordBatch, Schema } from "apache-arrow";
import { KeyByOperator } from "../operators/key-by.js";
import { columnsOf, makeBatch } from "../types/column.js";
import type { StreamInfo } from "../types/stream-info.js";

/**
 * A keyBy that passes on only the columns later steps read (prune-columns.ts decides which). Its
 * input crosses an exchange in a distributed job: the exchange sends `project(batch)` (see
 * runtime/distributed/worker/exchanges.ts), so the network carries the kept columns only, and
 * batches arrive here already projected (with `output.schema`); in one process, where nothing
 * crosses, this operator projects them itself. Projecting takes column references, no copy.
 */
export class PrunedKeyBy extends KeyByOperator {
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

  /**
   * A batch of the input stream with the kept columns only (what the exchange sends). A batch that
   * has as many columns as are kept came projected (the input has more: otherwise nothing would
   * be pruned); arrow-js gives every RecordBatch its own Schema object, so the count tells, not
   * the schema's identity.
   */
  project(batch: RecordBatch): RecordBatch {
    if (batch.numCols === this.kept.length) return batch;
    const columns = columnsOf(batch);
    return makeBatch(
      this.output.schema,
      this.kept.map((i) => columns[i]!),
      batch.numRows,
    );
  }

  override processBatch(batch: RecordBatch): RecordBatch[] {
    return [this.project(batch)];
  }
}
