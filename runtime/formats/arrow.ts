import {
  type Data,
  DataType,
  makeData,
  makeVector,
  type RecordBatch,
  Schema,
  tableFromIPC,
  type Vector,
} from "apache-arrow";
import { utf8DataFromBytes } from "../types/builders.js";
import { columnsOf, makeBatch, validityBytes } from "../types/column.js";
import { compactDictionaries } from "./compact-dictionaries.js";
import { conformBatch } from "./conform.js";
import {
  asBuffer,
  type BadMessage,
  BadValue,
  type DecodeResult,
  type Decoder,
  type Encoder,
  eachValue,
} from "./format.js";
import { prescanIpcStream } from "./ipc-prescan.js";
import { readIpcStream } from "./ipc-read.js";
import { ipcStreamOf } from "./ipc-stream.js";
import { validateData } from "./validate-data.js";

/**
 * `arrow`: one message per record batch, each a complete Arrow IPC stream (schema, dictionaries
 * cut to the entries the batch uses, batch), so any message can be read alone, from any offset. The cheapest format by far for
 * Sabot-to-Sabot topics: no per-row work on either side.
 */
export class ArrowEncoder implements Encoder {
  readonly format = "arrow" as const;
  constructor(readonly schema: Schema) {}

  encode(batch: RecordBatch): Buffer[] {
    if (batch.numRows === 0) return [];
    const bytes = ipcStreamOf(compactDictionaries(batch));
    return [asBuffer(bytes)];
  }
}

export class ArrowDecoder implements Decoder {
  readonly format = "arrow" as const;
  private readonly names: Set<string>;
  constructor(readonly schema: Schema) {
    this.names = new Set(schema.fields.map((f) => f.name));
  }

  /**
   * The batch's columns that the source declares, by name. The others are never read (a planner
   * narrows a source to the columns its job reads), so they are neither validated nor converted.
   */
  private declaredColumns(b: RecordBatch): RecordBatch {
    const keep = b.schema.fields.flatMap((f, i) => (this.names.has(f.name) ? [i] : []));
    if (keep.length === b.schema.fields.length) return b;
    const cols = columnsOf(b);
    return makeBatch(
      new Schema(keep.map((i) => b.schema.fields[i]!)),
      keep.map((i) => cols[i]!),
      b.numRows,
    );
  }

  decode(messages: ReadonlyArray<Uint8Array | null>): DecodeResult {
    const batches: RecordBatch[] = [];
    const bad: BadMessage[] = [];
    eachValue(messages, bad, (m, index) => {
      let got: RecordBatch[];
      try {
        // Bounds first: a hostile count field would have arrow-js allocate until the process dies.
        prescanIpcStream(m);
        got = (readIpcStream(m) ?? tableBatches(m)).map((b) => this.declaredColumns(b));
        for (const b of got)
          columnsOf(b).forEach((c, i) => {
            validateData(c, b.schema.fields[i]!.name);
          });
      } catch (err) {
        bad.push({ index, reason: "malformed", detail: `not an Arrow IPC stream: ${(err as Error).message}` });
        return;
      }
      try {
        const fitted = got.filter((b) => b.numRows > 0).map((b) => conformBatch(wholeDictionaries(b), this.schema));
        batches.push(...fitted);
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        bad.push({ index, reason: err.reason, detail: err.message });
      }
    });
    return { batches, bad };
  }
}

/** What arrow-js makes of a stream readIpcStream leaves to it (compressed, unusual, or broken: its error is the verdict). */
function tableBatches(m: Uint8Array): RecordBatch[] {
  const table = tableFromIPC(m);
  if (table.schema.fields.length === 0) throw new Error("no Arrow IPC stream found");
  return table.batches;
}

/**
 * The batch with every dictionary in one chunk. An IPC stream may grow a dictionary with delta
 * dictionary batches (pyarrow's `emit_dictionary_deltas`, arrow-js when a dictionary Vector has
 * several chunks); arrow-js reads each delta as one more chunk of the dictionary Vector, while
 * Sabot's kernels index a dictionary's first chunk (`dictionary.data[0]`), so keys into a delta
 * would read past it. Batches whose dictionaries have one chunk pass through untouched.
 */
export function wholeDictionaries(batch: RecordBatch): RecordBatch {
  let changed = false;
  const cols = columnsOf(batch).map((col) => {
    const chunks = col.dictionary?.data;
    if (!chunks || chunks.length <= 1 || !DataType.isUtf8(col.dictionary!.type)) return col;
    changed = true;
    return makeData({
      type: col.type,
      offset: col.offset,
      length: col.length,
      data: col.values as Int32Array,
      dictionary: joinUtf8(chunks),
      ...(col.nullCount > 0 ? { nullBitmap: col.nullBitmap, nullCount: col.nullCount } : { nullCount: 0 }),
    } as never) as Data;
  });
  return changed ? makeBatch(batch.schema, cols, batch.numRows) : batch;
}

/** utf8 chunks as one chunk: the bytes one after another, the offsets shifted to match. */
function joinUtf8(chunks: readonly Data[]): Vector {
  const n = chunks.reduce((sum, c) => sum + c.length, 0);
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(chunks.reduce((sum, c) => sum + (c.valueOffsets[c.length] - c.valueOffsets[0]), 0));
  const anyNull = chunks.some((c) => c.nullCount > 0);
  const valid = anyNull ? new Uint8Array(n) : null;
  let row = 0;
  let at = 0;
  for (const c of chunks) {
    // Sliced utf8 Data keeps its offsets sliced too: valueOffsets[0] is the chunk's first row.
    const from = c.valueOffsets[0];
    bytes.set((c.values as Uint8Array).subarray(from, c.valueOffsets[c.length]), at);
    for (let i = 0; i < c.length; i++) offsets[row + i + 1] = at + c.valueOffsets[i + 1] - from;
    if (valid) valid.set(validityBytes(c) ?? new Uint8Array(c.length).fill(1), row);
    at += c.valueOffsets[c.length] - from;
    row += c.length;
  }
  return makeVector(utf8DataFromBytes(offsets, bytes, valid));
}
