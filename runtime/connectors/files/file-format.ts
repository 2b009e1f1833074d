import { type Data, DataType, makeData, type RecordBatch } from "apache-arrow";
import * as parquet from "parquet-wasm";
import { batchesToIPC } from "../../formats/ipc.js";
import { SharedDictionary } from "../../operators/join/shared-dictionary.js";
import { columnsOf, makeBatch } from "../../types/column.js";

/**
 * Turns the batches of one file into the file's bytes. Arrow: an IPC file (`.arrow`, readable with
 * tableFromIPC, pyarrow.ipc.open_file, DuckDB). Parquet: written by parquet-wasm (arrow-rs compiled
 * to WebAssembly), Snappy-compressed, one row group per million rows; it stores the Arrow schema,
 * so dictionary columns and timestamp[ms] read back as they were written.
 */
export type FileFormat = "parquet" | "arrow";

export function encodeFile(batches: RecordBatch[], format: FileFormat): Uint8Array {
  const unified = unifyDictionaries(batches);
  if (format === "arrow") return batchesToIPC(unified, "file");
  const table = parquet.Table.fromIPCStream(batchesToIPC(unified, "stream"));
  const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).build();
  // writeParquet consumes the wasm table and the properties; nothing is left to free.
  return parquet.writeParquet(table, props);
}

/**
 * Re-keys every dictionary column of the batches onto one dictionary per column. Each batch usually
 * carries its own dictionary, and the IPC file format cannot replace a dictionary midway.
 */
export function unifyDictionaries(batches: RecordBatch[]): RecordBatch[] {
  if (batches.length <= 1) return batches;
  const fields = batches[0].schema.fields;
  const dictCols = fields.flatMap((f, c) => (DataType.isDictionary(f.type) ? [c] : []));
  if (dictCols.length === 0) return batches;
  const shared = dictCols.map(() => new SharedDictionary());
  // First pass: new keys per batch; the shared dictionaries only grow, so early keys stay valid.
  const rekeyed = batches.map((b) => dictCols.map((c, d) => rekey(columnsOf(b)[c], shared[d])));
  return batches.map((b, i) => {
    const cols = [...columnsOf(b)];
    dictCols.forEach((c, d) => {
      const { keys, nullBitmap, nullCount } = rekeyed[i][d];
      cols[c] = makeData({
        type: fields[c].type,
        length: b.numRows,
        data: keys,
        dictionary: shared[d].vector(),
        ...(nullCount > 0 ? { nullBitmap, nullCount } : { nullCount: 0 }),
      } as never) as Data;
    });
    return makeBatch(batches[0].schema, cols, b.numRows);
  });
}

function rekey(col: Data, shared: SharedDictionary): { keys: Int32Array; nullBitmap: Uint8Array; nullCount: number } {
  const n = col.length;
  const ids = shared.remap(col.dictionary!);
  const src = col.values as Int32Array;
  const keys = new Int32Array(n);
  const nullBitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const bm = col.nullCount > 0 ? col.nullBitmap : null;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const j = col.offset + i;
    // A null row, or a row pointing at a null dictionary entry, is null.
    const id = bm && ((bm[j >> 3] >> (j & 7)) & 1) === 0 ? -1 : ids[src[i]];
    if (id < 0) nullCount++;
    else {
      keys[i] = id;
      nullBitmap[i >> 3] |= 1 << (i & 7);
    }
  }
  return { keys, nullBitmap, nullCount };
}

/** Bytes a batch holds in memory (its buffers), the measure rollSize counts. */
export function batchBytes(batch: RecordBatch): number {
  let total = 0;
  for (const c of columnsOf(batch)) {
    total += (c.values as ArrayBufferView | undefined)?.byteLength ?? 0;
    total += (c.valueOffsets as ArrayBufferView | undefined)?.byteLength ?? 0;
    total += c.nullCount > 0 ? (c.nullBitmap?.byteLength ?? 0) : 0;
  }
  return total;
}
