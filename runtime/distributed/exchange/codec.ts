import { type DataType, type RecordBatch, type Schema, tableFromIPC } from "apache-arrow";
import { batchToIPCStream } from "../../formats/ipc.js";
import { prescanIpcStream } from "../../formats/ipc-prescan.js";
import { InvalidArrowDataError, validateData } from "../../formats/validate-data.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import { RejectedFrameError } from "./frame-check.js";

/**
 * Record batches on the wire: each data frame is one complete Arrow IPC stream (schema,
 * dictionaries, batch), so frames need no shared dictionary state between sender and receiver.
 * The receiver re-attaches the stream's own schema object so operators see exactly the schema
 * (field order, metadata) the planner derived.
 */
export function encodeBatch(batch: RecordBatch): Uint8Array {
  return batchToIPCStream(batch);
}

/** Types as arrow-js prints them (`Dictionary<Int32, Utf8>`, `List<Int64>`): dictionary ids aside, equal types print alike. */
const sameType = (a: DataType, b: DataType) => a.typeId === b.typeId && String(a) === String(b);

/**
 * A data frame's batch, or RejectedFrameError: bytes that are no Arrow IPC stream, not exactly
 * one batch, another schema than the edge's, another row count than the frame declares
 * (`rows`, when given), or buffers that do not hold what the batch says (validate-data.ts).
 */
export function decodeBatch(bytes: Uint8Array, schema: Schema, rows?: number): RecordBatch {
  let batches: RecordBatch[];
  try {
    prescanIpcStream(bytes);
    batches = tableFromIPC(bytes).batches;
  } catch (err) {
    throw new RejectedFrameError("corrupt_ipc", `an exchange frame is no Arrow IPC stream: ${(err as Error).message}`);
  }
  if (batches.length !== 1)
    throw new RejectedFrameError("corrupt_ipc", `an exchange frame held ${batches.length} record batches, expected 1`);
  const b = batches[0]!;
  if (b.numCols !== schema.fields.length)
    throw new RejectedFrameError(
      "schema_mismatch",
      `an exchange frame has ${b.numCols} columns, the stream ${schema.fields.length}: workers run different job versions`,
    );
  schema.fields.forEach((f, i) => {
    const got = b.schema.fields[i]!.type;
    if (!sameType(f.type, got))
      throw new RejectedFrameError(
        "schema_mismatch",
        `column ${f.name} of an exchange frame is ${got}, expected ${f.type}`,
      );
  });
  if (rows !== undefined && b.numRows !== rows)
    throw new RejectedFrameError(
      "row_count_mismatch",
      `an exchange frame declares ${rows} rows and holds ${b.numRows}`,
    );
  const columns = columnsOf(b);
  try {
    columns.forEach((c, i) => {
      if (c.length !== b.numRows)
        throw new InvalidArrowDataError(`column ${schema.fields[i]!.name} is not ${b.numRows} rows long`);
      validateData(c, schema.fields[i]!.name);
    });
  } catch (err) {
    if (err instanceof InvalidArrowDataError)
      throw new RejectedFrameError("corrupt_ipc", `an exchange frame's ${err.message}`);
    throw err;
  }
  return makeBatch(schema, columns, b.numRows);
}
