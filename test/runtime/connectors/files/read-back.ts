import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type RecordBatch, tableFromIPC } from "apache-arrow";
import * as parquet from "parquet-wasm";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";

/** The batches of a Parquet or Arrow IPC file, read with independent readers (parquet-wasm, arrow-js). */
export function readFileBatches(bytes: Uint8Array, format: "parquet" | "arrow"): RecordBatch[] {
  if (format === "arrow") return tableFromIPC(bytes).batches;
  return tableFromIPC(parquet.readParquet(bytes).intoIPCStream()).batches;
}

/** The files a reader of folder `out` sees: not the dot-files the sink stages. */
export const visible = async (out: string) =>
  (await readdir(out).catch(() => [] as string[])).filter((f) => !f.startsWith("."));

/** Every row of the visible Arrow files in `out`. */
export async function rowsIn(out: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of await visible(out))
    for (const b of readFileBatches(await readFile(join(out, f)), "arrow")) rows.push(...batchRows(b));
  return rows;
}
