import { type Data, makeData, type RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter } from "apache-arrow";
import { columnsOf, makeBatch } from "../types/column.js";

/**
 * Arrow IPC writing that survives a bug in arrow-js (21.x): when the writer joins its output chunks
 * it "collapses contiguous byte ranges" of one ArrayBuffer, and two buffers that *overlap* (the same
 * typed array used by two columns, e.g. `select a, a AS b`, or two dictionary columns sharing their
 * keys) are merged into one, so the message body comes out short and unreadable. Buffers that
 * overlap an earlier buffer of the batch are copied before writing.
 */
export function unshareBuffers(batch: RecordBatch): RecordBatch {
  const seen = new Map<ArrayBufferLike, [number, number][]>();
  let changed = false;
  const overlaps = (a: ArrayBufferView | undefined | null): boolean => {
    if (!a || a.byteLength === 0) return false;
    const start = a.byteOffset;
    const end = start + a.byteLength;
    const ranges = seen.get(a.buffer) ?? [];
    if (ranges.some(([s, e]) => start < e && s < end)) return true;
    ranges.push([start, end]);
    seen.set(a.buffer, ranges);
    return false;
  };
  const copy = <T extends ArrayBufferView>(a: T | undefined | null): T | undefined => {
    if (!a || !overlaps(a)) return a ?? undefined;
    changed = true;
    return (a as unknown as { slice(): T }).slice();
  };
  const cols = columnsOf(batch).map((col: Data) => {
    const nullBitmap = col.nullCount > 0 ? copy(col.nullBitmap) : undefined;
    const valueOffsets = copy(col.valueOffsets as Int32Array | undefined);
    const values = copy(col.values as ArrayBufferView | undefined);
    if (nullBitmap === col.nullBitmap && valueOffsets === col.valueOffsets && values === col.values) return col;
    return makeData({
      type: col.type,
      offset: col.offset,
      length: col.length,
      nullCount: col.nullCount,
      nullBitmap,
      valueOffsets,
      data: values,
      dictionary: col.dictionary,
    } as never) as Data;
  });
  return changed ? makeBatch(batch.schema, cols, batch.numRows) : batch;
}

/** One batch as a complete IPC stream (schema, dictionaries, batch). */
export function batchToIPCStream(batch: RecordBatch): Uint8Array {
  return RecordBatchStreamWriter.writeAll([unshareBuffers(batch)]).toUint8Array(true);
}

/**
 * Batches as an IPC stream or file. The batches must share their dictionaries (see
 * unifyDictionaries): the file format cannot replace a dictionary midway.
 */
export function batchesToIPC(batches: RecordBatch[], format: "stream" | "file"): Uint8Array {
  const safe = batches.map(unshareBuffers);
  const writer = format === "file" ? RecordBatchFileWriter : RecordBatchStreamWriter;
  return writer.writeAll(safe).toUint8Array(true);
}
