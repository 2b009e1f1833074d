import { type Data, type DataType, type Field, Message, type RecordBatch, type Schema, Vector } from "apache-arrow";
import type { RecordBatch as BatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorLoader } from "apache-arrow/visitor/vectorloader";
import { makeBatch } from "../types/column.js";

/**
 * A message body as arrow-js's loaders read it: typed arrays over it need 8-byte alignment, so a
 * misaligned body is copied (into a plain Uint8Array: a Buffer's slice() would be a view again).
 */
function alignedBody(body: Uint8Array): Uint8Array {
  if (body.byteOffset % 8 === 0) return body;
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  return copy;
}

/** The columns (or a dictionary's values) of one record batch message, as views over its body. */
export function loadColumns(
  header: BatchHeader,
  body: Uint8Array,
  columns: readonly (Field | DataType)[],
  schema: Schema,
  dictionaries: Map<number, Vector>,
): Data[] {
  return new VectorLoader(
    body,
    header.nodes,
    header.buffers,
    dictionaries,
    schema.metadataVersion,
    header.variadicBufferCounts,
  ).visitMany(columns as (Field | DataType)[]);
}

/** One message of an IPC stream (null at an end-of-stream marker), and where the next one starts. */
export interface IpcMessage {
  message: Message | null;
  body: Uint8Array;
  next: number;
}

/** The messages of an IPC stream from `pos` on, in order; the caller has checked their bounds (prescanIpcStream). */
export function* ipcMessages(bytes: Uint8Array, pos = 0): Generator<IpcMessage> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (pos + 4 <= bytes.byteLength) {
    let length = view.getInt32(pos, true);
    pos += 4;
    if (length === -1) {
      length = view.getInt32(pos, true);
      pos += 4;
    }
    if (length === 0) {
      yield { message: null, body: EMPTY, next: pos };
      continue;
    }
    const message = Message.decode(bytes.subarray(pos, pos + length));
    pos += length;
    const body = alignedBody(bytes.subarray(pos, pos + message.bodyLength));
    pos += message.bodyLength;
    yield { message, body, next: pos };
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The batches of one self-contained Arrow IPC stream (a schema, its dictionaries, record
 * batches), or null when the stream holds anything this reader leaves to arrow-js's
 * `tableFromIPC`: compressed bodies, a second schema or bytes after the end-of-stream marker, no
 * batch at all. A Kafka `arrow` message is such a stream; `tableFromIPC` reads one too, but builds
 * a Table and memoizes every dictionary (an array of the dictionary's length, per message, which
 * the collector then marks and sweeps), where this keeps dictionaries as plain Vectors.
 * The caller checks the framing's bounds first (prescanIpcStream).
 */
export function readIpcStream(bytes: Uint8Array): RecordBatch[] | null {
  let schema: Schema | null = null;
  const dictionaries = new Map<number, Vector>();
  const batches: RecordBatch[] = [];
  let end = 0;
  for (const { message, body, next } of ipcMessages(bytes)) {
    end = next;
    if (!message) break;
    if (message.isSchema()) {
      if (schema) return null;
      schema = message.header();
    } else if (!schema) return null;
    else if (message.isDictionaryBatch()) {
      const header = message.header();
      const type = schema.dictionaries.get(header.id);
      if (!type || header.data.compression) return null;
      const [data] = loadColumns(header.data, body, [type], schema, dictionaries);
      const previous = dictionaries.get(header.id);
      const values = new Vector([data!]);
      dictionaries.set(header.id, header.isDelta && previous ? previous.concat(values) : values);
    } else if (message.isRecordBatch()) {
      const header = message.header();
      if (header.compression) return null;
      batches.push(makeBatch(schema, loadColumns(header, body, schema.fields, schema, dictionaries), header.length));
    }
  }
  return end < bytes.byteLength || batches.length === 0 ? null : batches;
}
