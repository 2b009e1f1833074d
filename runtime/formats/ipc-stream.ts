import { DataType, Message, type RecordBatch, type Schema } from "apache-arrow";
import { RecordBatch as BatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";
import { batchToIPCStream } from "./ipc.js";

/**
 * One batch as a complete Arrow IPC stream, byte for byte what batchToIPCStream (arrow-js's
 * RecordBatchStreamWriter) writes, for the arrow Kafka sink's hot path: arrow-js's writer costs
 * about 0.7 ms per batch of a few columns (schema and batch flatbuffers, a chunk list joined at the
 * end), the largest item of arrow q1's main thread once the source keeps dictionaries encoded
 * (docs/kafka.md, "Speed"). Here the schema message is encoded once per Schema object, and the
 * stream is written into one buffer of its exact size. Batches with dictionary columns (which
 * need dictionary batches) go to arrow-js's writer.
 */

/** A message's metadata as the stream format frames it: continuation, length, flatbuffer, padding to 8 bytes. */
function framed(message: Message): Uint8Array {
  const fb = Message.encode(message);
  const aligned = (fb.byteLength + 8 + 7) & ~7;
  const out = new Uint8Array(aligned);
  const view = new DataView(out.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, aligned - 8, true);
  out.set(fb, 8);
  return out;
}

function hasDictionary(t: DataType): boolean {
  return DataType.isDictionary(t) || (t.children ?? []).some((c) => hasDictionary(c.type));
}

const schemaMessages = new WeakMap<Schema, Uint8Array | null>();

/** The schema's framed message, or null when a column needs dictionary batches. */
function schemaMessage(schema: Schema): Uint8Array | null {
  let m = schemaMessages.get(schema);
  if (m === undefined) {
    m = schema.fields.some((f) => hasDictionary(f.type)) ? null : framed(Message.from(schema));
    schemaMessages.set(schema, m);
  }
  return m;
}

export function ipcStreamOf(batch: RecordBatch): Uint8Array {
  const schema = schemaMessage(batch.schema);
  if (schema === null) return batchToIPCStream(batch);
  const a = VectorAssembler.assemble(batch);
  const header = new BatchHeader(batch.numRows, a.nodes, a.bufferRegions, null, a.variadicBufferCounts, batch.metadata);
  const meta = framed(Message.from(header, a.byteLength));
  const body = schema.byteLength + meta.byteLength;
  // The stream ends with a continuation marker and a zero length: 8 bytes, the last 4 already zero.
  const out = new Uint8Array(body + a.byteLength + 8);
  out.set(schema, 0);
  out.set(meta, schema.byteLength);
  a.buffers.forEach((b, i) => {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), body + a.bufferRegions[i].offset);
  });
  new DataView(out.buffer).setInt32(out.byteLength - 8, -1, true);
  return out;
}
