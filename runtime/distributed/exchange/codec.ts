import { type RecordBatch, type Schema, tableFromIPC } from "apache-arrow";
import { batchToIPCStream } from "../../formats/ipc.js";
import { columnsOf, makeBatch } from "../../types/column.js";

/**
 * Record batches on the wire: each data frame is one complete Arrow IPC stream (schema,
 * dictionaries, batch), so frames need no shared dictionary state between sender and receiver.
 * The receiver re-attaches the stream's own schema object so operators see exactly the schema
 * (field order, metadata) the planner derived.
 */
export function encodeBatch(batch: RecordBatch): Uint8Array {
  return batchToIPCStream(batch);
}

export function decodeBatch(bytes: Uint8Array, schema: Schema): RecordBatch {
  const batches = tableFromIPC(bytes).batches;
  if (batches.length !== 1) throw new Error(`an exchange frame held ${batches.length} record batches, expected 1`);
  const b = batches[0];
  if (b.numCols !== schema.fields.length)
    throw new Error(
      `an exchange frame has ${b.numCols} columns, the stream ${schema.fields.length}: workers run different job versions`,
    );
  return makeBatch(schema, columnsOf(b), b.numRows);
}
