import {
  Dictionary,
  Field,
  Int32,
  Int64,
  makeData,
  makeVector,
  type RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Utf8,
  type Vector,
} from "apache-arrow";
import { utf8Data } from "../../../runtime/types/builders.js";
import { makeBatch } from "../../../runtime/types/column.js";

/**
 * Arrow IPC streams whose dictionaries grow with delta dictionary batches, written by apache-arrow's
 * own writer: it writes a dictionary's first chunk as the initial dictionary and every chunk the
 * next batch adds (the same chunk objects, plus new ones) as a delta.
 */

export const DICT_ID = 7;
export const deltaSchema = new Schema([
  new Field("id", new Int64(), false),
  new Field("city", new Dictionary(new Utf8(), new Int32(), DICT_ID), true),
]);

/** The dictionary chunks: chunk k holds `k-0`, `k-1`, … (non-ASCII from chunk 1 on: byte offsets differ from string lengths). */
export function chunks(count: number, size = 3): Vector[] {
  return Array.from({ length: count }, (_, k) =>
    makeVector(utf8Data(Array.from({ length: size }, (_, i) => `${k}-${i}${"é".repeat(k)}`))),
  );
}

/** A batch whose dictionary is `dict` (several chunks) and whose keys point anywhere into it. */
export function batchOver(dict: Vector, firstId: number, keys: (number | null)[]): RecordBatch {
  const n = keys.length;
  const ids = new BigInt64Array(n).map((_, i) => BigInt(firstId + i));
  const valid = new Uint8Array(((n + 63) >> 6) << 3);
  keys.forEach((k, i) => {
    if (k !== null) valid[i >> 3] |= 1 << (i & 7);
  });
  const nullCount = keys.filter((k) => k === null).length;
  const city = makeData({
    type: deltaSchema.fields[1].type as Dictionary<Utf8, Int32>,
    length: n,
    data: Int32Array.from(keys, (k) => k ?? 0),
    dictionary: dict,
    nullBitmap: valid,
    nullCount,
  });
  return makeBatch(deltaSchema, [makeData({ type: new Int64(), length: n, data: ids }), city], n);
}

/** What a row's city should read: the dictionary entries in order over all chunks. */
export function entries(parts: Vector[]): (string | null)[] {
  return parts.flatMap((p) => [...p] as (string | null)[]);
}

/** One IPC stream of these batches (the writer emits a delta wherever a batch's dictionary grew). */
export function stream(batches: RecordBatch[]): Uint8Array {
  return RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
}

/** Every key of a dictionary of `size` entries, then some again and a null. */
export function keysOver(size: number): (number | null)[] {
  return [...Array.from({ length: size }, (_, i) => size - 1 - i), 0, null, size - 1];
}
