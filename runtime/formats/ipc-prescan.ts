import { InvalidArrowDataError } from "./validate-data.js";

/**
 * A bounds check of an Arrow IPC stream's framing and metadata before arrow-js decodes it.
 * arrow-js trusts the flatbuffer metadata: a count field turned into 2^31 by a flipped byte makes
 * it build an array of that many objects and the process dies out of heap (found by the exchange
 * frame fuzz test). Here every message must lie within the bytes, and every vector the decoder
 * iterates (fields, children, key-value metadata, nodes, buffers) must fit within its metadata.
 */

/** The fields of the flatbuffer tables read below, as the generated code numbers them (apache-arrow/fb). */
const MESSAGE = { headerType: 1, header: 2, bodyLength: 3, customMetadata: 4 } as const;
const SCHEMA = { fields: 1, customMetadata: 2, features: 3 } as const;
const FIELD = { name: 0, typeType: 2, type: 3, children: 5, customMetadata: 6 } as const;
const RECORD_BATCH = { nodes: 1, buffers: 2, variadicBufferCounts: 4 } as const;
const DICTIONARY_BATCH = { data: 1 } as const;
const HEADER = { schema: 1, dictionaryBatch: 2, recordBatch: 3 } as const;
const UNION_TYPE = 14;
/** Nesting of fields (struct in list in struct...) beyond which a schema is refused. */
const MAX_DEPTH = 64;

const bad = (what: string) => new InvalidArrowDataError(`the Arrow IPC stream ${what}`);

/** A flatbuffer within `m`, every read bounds-checked. */
class Flat {
  constructor(private readonly m: DataView) {}

  private at(p: number, size: number): number {
    if (p < 0 || p + size > this.m.byteLength) throw bad("has metadata that points outside itself");
    return p;
  }
  u8(p: number): number {
    return this.m.getUint8(this.at(p, 1));
  }
  u16(p: number): number {
    return this.m.getUint16(this.at(p, 2), true);
  }
  u32(p: number): number {
    return this.m.getUint32(this.at(p, 4), true);
  }
  i64(p: number): number {
    return Number(this.m.getBigInt64(this.at(p, 8), true));
  }
  root(): number {
    return this.u32(0);
  }
  /** The position of field `i` of the table at `t`, or 0 when absent. */
  field(t: number, i: number): number {
    const vt = t - (this.m.getInt32(this.at(t, 4), true) | 0);
    const slot = 4 + 2 * i;
    if (slot >= this.u16(vt)) return 0;
    const off = this.u16(vt + slot);
    return off === 0 ? 0 : t + off;
  }
  /** The table a field at `p` refers to. */
  ref(p: number): number {
    return p + this.u32(p);
  }
  /** A vector's element positions' start and count, refused unless `count * size` bytes fit. */
  vector(p: number, size: number): { start: number; count: number } {
    const v = this.ref(p);
    const count = this.u32(v);
    const start = v + 4;
    if (start + count * size > this.m.byteLength) throw bad(`declares ${count} entries that its metadata cannot hold`);
    return { start, count };
  }
}

function checkVectorField(f: Flat, table: number, field: number, size: number): { start: number; count: number } {
  const p = f.field(table, field);
  return p ? f.vector(p, size) : { start: 0, count: 0 };
}

function checkField(f: Flat, t: number, depth: number): void {
  if (depth > MAX_DEPTH) throw bad(`nests fields deeper than ${MAX_DEPTH}`);
  const name = f.field(t, FIELD.name);
  if (name) f.vector(name, 1);
  checkVectorField(f, t, FIELD.customMetadata, 4);
  const typeType = f.field(t, FIELD.typeType);
  const type = f.field(t, FIELD.type);
  if (typeType && type && f.u8(typeType) === UNION_TYPE) checkVectorField(f, f.ref(type), 1, 4);
  const children = checkVectorField(f, t, FIELD.children, 4);
  for (let i = 0; i < children.count; i++) checkField(f, f.ref(children.start + 4 * i), depth + 1);
}

function checkRecordBatch(f: Flat, t: number): void {
  checkVectorField(f, t, RECORD_BATCH.nodes, 16);
  checkVectorField(f, t, RECORD_BATCH.buffers, 16);
  checkVectorField(f, t, RECORD_BATCH.variadicBufferCounts, 8);
}

/** One message's metadata; returns the length of its body. */
function checkMessage(m: DataView): number {
  const f = new Flat(m);
  const msg = f.root();
  checkVectorField(f, msg, MESSAGE.customMetadata, 4);
  const typeAt = f.field(msg, MESSAGE.headerType);
  const headerAt = f.field(msg, MESSAGE.header);
  const bodyAt = f.field(msg, MESSAGE.bodyLength);
  const body = bodyAt ? f.i64(bodyAt) : 0;
  if (!typeAt || !headerAt) throw bad("has a message without a header");
  const header = f.ref(headerAt);
  const type = f.u8(typeAt);
  if (type === HEADER.schema) {
    checkVectorField(f, header, SCHEMA.customMetadata, 4);
    checkVectorField(f, header, SCHEMA.features, 8);
    const fields = checkVectorField(f, header, SCHEMA.fields, 4);
    for (let i = 0; i < fields.count; i++) checkField(f, f.ref(fields.start + 4 * i), 0);
  } else if (type === HEADER.recordBatch) checkRecordBatch(f, header);
  else if (type === HEADER.dictionaryBatch) {
    const data = f.field(header, DICTIONARY_BATCH.data);
    if (data) checkRecordBatch(f, f.ref(data));
  } else throw bad(`has a message of type ${type}, not a schema, dictionary or record batch`);
  return body;
}

/** Throws InvalidArrowDataError unless `bytes` is a stream of whole, bounded messages. */
export function prescanIpcStream(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 4 <= bytes.byteLength) {
    let metaLength = view.getInt32(pos, true);
    pos += 4;
    if (metaLength === -1) {
      if (pos + 4 > bytes.byteLength) throw bad("ends inside a message's length");
      metaLength = view.getInt32(pos, true);
      pos += 4;
    }
    if (metaLength === 0) return;
    if (metaLength < 0 || pos + metaLength > bytes.byteLength) throw bad("has a message longer than the frame");
    const body = checkMessage(new DataView(bytes.buffer, bytes.byteOffset + pos, metaLength));
    pos += metaLength;
    if (body < 0 || body > bytes.byteLength - pos) throw bad("has a message body longer than the frame");
    pos += body;
  }
  if (pos !== bytes.byteLength) throw bad("ends inside a message");
}
