import { DataType, Message, type RecordBatch, type Schema } from "apache-arrow";
import { RecordBatch as BatchHeader } from "apache-arrow/ipc/metadata/message";
import { compareSchemas } from "apache-arrow/visitor/typecomparator";
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";
import { batchToIPCStream } from "./ipc.js";

/**
 * One batch as a complete Arrow IPC stream, byte for byte what batchToIPCStream (arrow-js's
 * RecordBatchStreamWriter) writes, for the arrow Kafka sink's hot path: arrow-js's writer costs
 * about 0.7 ms per batch of a few columns (schema and batch flatbuffers, a chunk list joined at the
 * end), the largest item of arrow q1's main thread once the source keeps dictionaries encoded
 * (docs/kafka.md, "Speed"). Here the schema message is encoded once per schema, and the
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

/** A schema's framed message (null when a column needs dictionary batches). */
interface CachedSchema {
  schema: Schema;
  message: Uint8Array | null;
}

/**
 * Every batch has its own Schema and Field objects (arrow-js's RecordBatch constructor copies
 * them), so messages are cached by what they encode: the fields (names, types, nullability,
 * metadata) and the schema's metadata. A process writes a few schemas; the oldest goes first.
 */
const schemaMessages: CachedSchema[] = [];

function sameMetadata(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function sameSchema(a: Schema, b: Schema): boolean {
  return (
    compareSchemas(a, b) &&
    sameMetadata(a.metadata, b.metadata) &&
    a.fields.every((f, i) => sameMetadata(f.metadata, b.fields[i].metadata))
  );
}

function schemaMessage(schema: Schema): Uint8Array | null {
  let c = schemaMessages.find((x) => sameSchema(x.schema, schema));
  if (!c) {
    const message = schema.fields.some((f) => hasDictionary(f.type)) ? null : framed(Message.from(schema));
    c = { schema, message };
    if (schemaMessages.push(c) > 8) schemaMessages.shift();
  }
  return c.message;
}

/** A stream's pieces: the schema message, the batch's message, its body buffers; null for dictionary columns. */
interface StreamParts {
  schema: Uint8Array;
  meta: Uint8Array;
  body: VectorAssembler;
  size: number;
}

function streamParts(batch: RecordBatch): StreamParts | null {
  const schema = schemaMessage(batch.schema);
  if (schema === null) return null;
  const body = VectorAssembler.assemble(batch);
  const header = new BatchHeader(
    batch.numRows,
    body.nodes,
    body.bufferRegions,
    null,
    body.variadicBufferCounts,
    batch.metadata,
  );
  const meta = framed(Message.from(header, body.byteLength));
  // The stream ends with a continuation marker and a zero length: 8 bytes.
  return { schema, meta, body, size: schema.byteLength + meta.byteLength + body.byteLength + 8 };
}

/** The stream written at the start of `out` (zeroed where nothing is written: padding); returns those bytes. */
function writeStream(p: StreamParts, out: Uint8Array): Uint8Array {
  const at = p.schema.byteLength + p.meta.byteLength;
  out.set(p.schema, 0);
  out.set(p.meta, p.schema.byteLength);
  out.fill(0, at, p.size);
  p.body.buffers.forEach((b, i) => {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at + p.body.bufferRegions[i].offset);
  });
  new DataView(out.buffer, out.byteOffset).setInt32(p.size - 8, -1, true);
  return out.subarray(0, p.size);
}

export function ipcStreamOf(batch: RecordBatch): Uint8Array {
  const p = streamParts(batch);
  return p ? writeStream(p, new Uint8Array(p.size)) : batchToIPCStream(batch);
}

/**
 * One buffer that batches without dictionary columns are written into as IPC streams, again and
 * again: for a caller done with each stream before the next (the native Kafka sink, whose send
 * copies the bytes into librdkafka before it resolves), so a batch allocates no new ArrayBuffer.
 * Fewer ArrayBuffers mean fewer of V8's full collections, which in arrow q1 each mark the whole
 * live heap (docs/kafka.md, "Speed").
 */
export class StreamScratch {
  private buffer = new Uint8Array(0);

  /** The batch's stream, valid until the next call; null when it has dictionary columns. */
  write(batch: RecordBatch): Uint8Array | null {
    const p = streamParts(batch);
    if (p === null) return null;
    if (this.buffer.byteLength < p.size) this.buffer = new Uint8Array(Math.max(p.size, 2 * this.buffer.byteLength));
    return writeStream(p, this.buffer);
  }
}
