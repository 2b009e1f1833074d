import { type Data, type DataType, type Field, type RecordBatch, type Schema, Vector } from "apache-arrow";
import type { RecordBatch as BatchHeader, DictionaryBatch } from "apache-arrow/ipc/metadata/message";
import { prescanIpcStream } from "../../formats/ipc-prescan.js";
import { ipcMessages, loadColumns } from "../../formats/ipc-read.js";
import { InvalidArrowDataError, validateData } from "../../formats/validate-data.js";
import { makeBatch } from "../../types/column.js";
import { MAX_FRAME_BYTES, RejectedFrameError } from "./frame-check.js";

/** Types as arrow-js prints them (`Dictionary<Int32, Utf8>`, `List<Int64>`): dictionary ids aside, equal types print alike. */
const sameType = (a: DataType, b: DataType) => a.typeId === b.typeId && String(a) === String(b);

/** `what` continues "an exchange frame" (" is ...", "'s column ..."). */
const corrupt = (what: string) => new RejectedFrameError("corrupt_ipc", `an exchange frame${what}`);

/**
 * The receiving end of one channel's Arrow IPC stream (see ChannelEncoder): the schema and the
 * dictionaries the sender sent earlier on this channel, and the frame checks. A frame is a run of
 * IPC messages holding exactly one record batch, optionally preceded by a schema (which starts
 * the stream afresh) and by dictionary batches (new, replacement or delta). Everything is checked
 * before it is used: the framing (prescanIpcStream), the schema against the edge's, every
 * dictionary and column (validate-data.ts), a dictionary the channel never received, and the
 * dictionaries' total size. The batch handed on has the edge's schema object (field order,
 * metadata) as the planner derived it.
 */
export class ChannelDecoder {
  /** The sender's schema (its dictionary ids), or null before the channel's first frame. */
  private schema: Schema | null = null;
  private dictionaries = new Map<number, Vector>();
  private readonly dictionaryBytes = new Map<number, number>();
  /** Dictionary chunks checked on arrival: batches that use them do not check them again. */
  private readonly checked = new WeakSet<Data>();

  constructor(private readonly edgeSchema: Schema) {}

  /** The frame's batch, or RejectedFrameError (`rows`: the row count the frame declares). */
  decode(bytes: Uint8Array, rows?: number): RecordBatch {
    let batch: { header: BatchHeader; body: Uint8Array } | null = null;
    try {
      prescanIpcStream(bytes);
      for (const { message, body, next } of ipcMessages(bytes)) {
        if (!message) {
          // An end-of-stream marker: the sender restarted its stream (a batch of another schema
          // follows). The prescan stopped here, so what follows is checked the same way.
          prescanIpcStream(bytes.subarray(next));
          continue;
        }
        if (message.isSchema()) this.restart(message.header());
        else if (message.isDictionaryBatch()) this.addDictionary(message.header(), body);
        else if (message.isRecordBatch()) {
          if (batch) throw corrupt(" held more than one record batch");
          batch = { header: message.header(), body };
        }
      }
    } catch (err) {
      if (err instanceof RejectedFrameError) throw err;
      throw corrupt(` is no Arrow IPC stream: ${(err as Error).message}`);
    }
    if (!batch) throw corrupt(" held no record batch");
    return this.load(batch.header, batch.body, rows);
  }

  /** A schema message: the stream starts afresh, with no dictionaries. */
  private restart(schema: Schema): void {
    const want = this.edgeSchema.fields;
    if (schema.fields.length !== want.length)
      throw new RejectedFrameError(
        "schema_mismatch",
        `an exchange frame has ${schema.fields.length} columns, the stream ${want.length}: workers run different job versions`,
      );
    schema.fields.forEach((f, i) => {
      if (!sameType(want[i]!.type, f.type))
        throw new RejectedFrameError(
          "schema_mismatch",
          `column ${want[i]!.name} of an exchange frame is ${f.type}, expected ${want[i]!.type}`,
        );
    });
    this.schema = schema;
    this.dictionaries = new Map();
    this.dictionaryBytes.clear();
  }

  /** The columns of a batch (or a dictionary's values) of this channel's schema. */
  private loaded(header: BatchHeader, body: Uint8Array, columns: readonly (Field | DataType)[]): Data[] {
    if (header.compression) throw corrupt(" is compressed (senders never compress)");
    return loadColumns(header, body, columns, this.schema!, this.dictionaries);
  }

  private addDictionary(header: DictionaryBatch, body: Uint8Array): void {
    const schema = this.schema;
    if (!schema) throw corrupt(" sent a dictionary before the channel's schema");
    const type = schema.dictionaries.get(header.id);
    if (!type) throw corrupt(` sent dictionary ${header.id}, which no column of the schema uses`);
    const [data] = this.loaded(header.data, body, [type]);
    if (!data || data.length !== header.data.length) throw corrupt(` has a short dictionary ${header.id}`);
    validateOrRefuse(data, `dictionary ${header.id}`);
    this.checked.add(data);
    const previous = this.dictionaries.get(header.id);
    const grown = previous && header.isDelta;
    this.dictionaries.set(header.id, (grown ? previous.concat(new Vector([data])) : new Vector([data])).memoize());
    // A delta adds to what the channel holds; a replacement frees the old dictionary.
    this.dictionaryBytes.set(header.id, (grown ? (this.dictionaryBytes.get(header.id) ?? 0) : 0) + body.byteLength);
    let total = 0;
    for (const b of this.dictionaryBytes.values()) total += b;
    if (total > MAX_FRAME_BYTES)
      throw new RejectedFrameError(
        "oversized",
        `an exchange channel's dictionaries grew to ${total} bytes (at most ${MAX_FRAME_BYTES})`,
      );
  }

  private load(header: BatchHeader, body: Uint8Array, rows: number | undefined): RecordBatch {
    const schema = this.schema;
    if (!schema) throw corrupt(" sent a record batch before the channel's schema");
    if (rows !== undefined && header.length !== rows)
      throw new RejectedFrameError(
        "row_count_mismatch",
        `an exchange frame declares ${rows} rows and holds ${header.length}`,
      );
    for (const id of schema.dictionaries.keys())
      if (!this.dictionaries.has(id)) throw corrupt(` refers to dictionary ${id}, which the channel never received`);
    let columns: Data[];
    try {
      columns = this.loaded(header, body, schema.fields);
    } catch (err) {
      if (err instanceof RejectedFrameError) throw err;
      throw corrupt(` is no Arrow IPC stream: ${(err as Error).message}`);
    }
    const names = this.edgeSchema.fields;
    columns.forEach((c, i) => {
      const name = names[i]!.name;
      if (c.length !== header.length) throw corrupt(`'s column ${name} is not ${header.length} rows long`);
      validateOrRefuse(c, name, this.checked);
    });
    return makeBatch(this.edgeSchema, columns, header.length);
  }
}

function validateOrRefuse(d: Data, path: string, checked?: WeakSet<Data>): void {
  try {
    validateData(d, path, checked);
  } catch (err) {
    if (err instanceof InvalidArrowDataError) throw corrupt(`'s ${err.message}`);
    throw err;
  }
}
