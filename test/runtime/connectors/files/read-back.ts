import { type RecordBatch, tableFromIPC } from "apache-arrow";
import * as parquet from "parquet-wasm";

/** The batches of a Parquet or Arrow IPC file, read with independent readers (parquet-wasm, arrow-js). */
export function readFileBatches(bytes: Uint8Array, format: "parquet" | "arrow"): RecordBatch[] {
  if (format === "arrow") return tableFromIPC(bytes).batches;
  return tableFromIPC(parquet.readParquet(bytes).intoIPCStream()).batches;
}
