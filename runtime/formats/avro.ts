import { createHash } from "node:crypto";
import { type Data, DataType, type Field, type RecordBatch, type Schema } from "apache-arrow";
import avro from "avsc";
import { columnsOf, isValid, stringAt } from "../types/column.js";
import {
  asBuffer,
  type BadReason,
  BadValue,
  type DecodeResult,
  type Decoder,
  type Encoder,
  type MessageHeaders,
} from "./format.js";
import { decodeRows } from "./row-filler.js";

/**
 * `avro`: one Avro record per message in Avro's single-object encoding (spec 1.8+: the bytes C3 01,
 * the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form,
 * then the binary record; what Java's BinaryMessageEncoder/Decoder write and read), with the record
 * schema derived from the Arrow schema by `avroSchema`.
 *
 * Avro's binary form has no field names: writer and reader must agree on the columns, their order
 * and types. Three things keep a mismatch from going unnoticed or failing needlessly:
 * - every field is a union with null whatever the column's nullability, so jobs that declare
 *   nullability differently still agree (a null in a non-nullable column is a bad message);
 * - a single-object message whose fingerprint differs from the reader's is a bad message
 *   (`schema-mismatch`) instead of garbage rows;
 * - a message without the C3 01 marker (other producers; topics written by Sabot before it wrote
 *   single objects) is read as a plain binary record; one with the legacy `sabot.avro.schema`
 *   header naming another schema is a `schema-mismatch` too. A plain record of these schemas never
 *   starts with C3 (its first byte is a union index, 0 or 2), so the two forms cannot be confused.
 * Avro longs travel as JS numbers in avsc, so int64 values are limited to ±2^53 (a larger one
 * fails to encode, and an incoming one is a bad message).
 */

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type AvroSchema = avro.Schema;

type AvroFieldType =
  | "string"
  | "boolean"
  | "double"
  | "long"
  | "int"
  | { type: "long"; logicalType: "timestamp-millis" };

function avroFieldType(f: Field): AvroFieldType {
  const t = f.type;
  if (DataType.isUtf8(t) || DataType.isDictionary(t)) return "string";
  if (DataType.isBool(t)) return "boolean";
  if (DataType.isFloat(t)) return "double";
  if (DataType.isTimestamp(t)) return { type: "long", logicalType: "timestamp-millis" };
  if (DataType.isInt(t)) return t.bitWidth === 64 ? "long" : "int";
  throw new Error(`column "${f.name}" has type ${String(t)}, which has no Avro mapping`);
}

/** The Avro record schema of an Arrow schema: each column a ["null", T] field with default null. */
export function avroSchema(schema: Schema, name = "Row"): AvroSchema {
  return {
    type: "record",
    name,
    fields: schema.fields.map((f) => {
      if (!AVRO_NAME.test(f.name))
        throw new Error(
          `column "${f.name}" is not a valid Avro field name (letters, digits and _, not starting with a digit): rename it with AS`,
        );
      const type = avroFieldType(f);
      const union: ("null" | AvroFieldType)[] = ["null", type];
      return { name: f.name, type: union, default: null };
    }),
  };
}

/** The header Sabot's encoder wrote before it wrote single objects; still checked when present. */
export const AVRO_SCHEMA_HEADER = "sabot.avro.schema";

/** The legacy `sabot.avro.schema` header's value: a short hash of the Avro schema (names, order, types). */
export function avroFingerprint(schema: Schema, name = "Row"): string {
  return createHash("sha256")
    .update(JSON.stringify(avroSchema(schema, name)))
    .digest("hex")
    .slice(0, 16);
}

/** The marker that starts every single-object encoded message. */
export const AVRO_SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
/** Marker and fingerprint: the bytes before the record. */
export const AVRO_SINGLE_OBJECT_PREFIX_BYTES = 10;

const CRC64_EMPTY = 0xc15d213aa4d7a795n;
const MASK64 = 0xffffffffffffffffn;
let crc64Table: bigint[] | null = null;

/** The spec's CRC-64-AVRO (Rabin) fingerprint of some bytes, as an unsigned 64-bit integer. */
export function crc64Avro(bytes: Uint8Array): bigint {
  crc64Table ??= Array.from({ length: 256 }, (_, i) => {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (CRC64_EMPTY & -(fp & 1n) & MASK64);
    return fp;
  });
  let fp = CRC64_EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ crc64Table[Number((fp ^ BigInt(b)) & 0xffn)];
  return fp;
}

/** The schema's Parsing Canonical Form (avsc writes it: no defaults, no logical types, fixed key order). */
export function avroCanonicalForm(schema: Schema, name = "Row"): string {
  return JSON.stringify(avro.Type.forSchema(avroSchema(schema, name)).schema());
}

/** The bytes a single-object encoded message of this schema starts with: C3 01 and the fingerprint. */
export function avroSingleObjectPrefix(schema: Schema, name = "Row"): Buffer {
  const out = Buffer.alloc(AVRO_SINGLE_OBJECT_PREFIX_BYTES);
  AVRO_SINGLE_OBJECT_MARKER.copy(out);
  out.writeBigUInt64LE(crc64Avro(Buffer.from(avroCanonicalForm(schema, name))), 2);
  return out;
}

/** Whether a message is single-object encoded (starts with C3 01). */
export function isAvroSingleObject(m: Uint8Array): boolean {
  return m.length >= 2 && m[0] === 0xc3 && m[1] === 0x01;
}

const MISMATCH_HINT = "the source's schema must list the writer's columns in the same order with the same types";

export class AvroDecoder implements Decoder {
  readonly format = "avro" as const;
  private readonly type: avro.Type;
  private readonly fingerprint: string;
  private readonly prefix: Buffer;
  constructor(readonly schema: Schema) {
    this.type = avro.Type.forSchema(avroSchema(schema));
    this.fingerprint = avroFingerprint(schema);
    this.prefix = avroSingleObjectPrefix(schema);
  }

  checkHeaders(headers: MessageHeaders | undefined): { reason: BadReason; detail: string } | null {
    const h = headers?.[AVRO_SCHEMA_HEADER];
    if (h === undefined || String(h) === this.fingerprint) return null;
    return {
      reason: "schema-mismatch",
      detail: `written with another Avro schema (fingerprint ${String(h)}, this source's is ${this.fingerprint}): ${MISMATCH_HINT}`,
    };
  }

  decode(messages: ReadonlyArray<Uint8Array | null>): DecodeResult {
    return decodeRows(this.schema, messages, (m) => {
      let body = m;
      if (isAvroSingleObject(m)) {
        const problem = this.checkPrefix(m);
        if (problem) return problem;
        body = m.subarray(AVRO_SINGLE_OBJECT_PREFIX_BYTES);
      }
      try {
        return this.type.fromBuffer(asBuffer(body)) as Record<string, unknown>;
      } catch (err) {
        return `not an Avro record of this source's schema (same columns, order and types as the writer's?): ${(err as Error).message}`;
      }
    });
  }

  /** A single-object message's fingerprint against this source's schema. */
  private checkPrefix(m: Uint8Array): string | BadValue | null {
    const n = AVRO_SINGLE_OBJECT_PREFIX_BYTES;
    if (m.length < n)
      return `an Avro single-object message of ${m.length} bytes: too short for its ${n}-byte marker and schema fingerprint`;
    if (this.prefix.equals(asBuffer(m).subarray(0, n))) return null;
    // Signed, as Java's SchemaNormalization.parsingFingerprint64 prints them.
    const theirs = asBuffer(m).readBigInt64LE(2);
    const mine = this.prefix.readBigInt64LE(2);
    return new BadValue(
      "schema-mismatch",
      `written with another Avro schema (single-object fingerprint ${theirs}, this source's is ${mine}): ${MISMATCH_HINT}`,
    );
  }
}

const TWO_32 = 4294967296;

/** Row i of a column as the JS value avsc expects. */
function reader(col: Data): (i: number) => unknown {
  const t = col.type;
  // arrow-js slices value and offset buffers with the column; `offset` applies to bit buffers only.
  const off = col.offset;
  let read: (i: number) => unknown;
  if (DataType.isDictionary(t)) {
    const cache: (string | undefined)[] = [];
    const keys = col.values as Int32Array;
    read = (i) => (cache[keys[i]] ??= stringAt(col, i));
  } else if (DataType.isUtf8(t)) {
    const bytes = asBuffer(col.values as Uint8Array);
    const o = col.valueOffsets as Int32Array;
    read = (i) => bytes.toString("utf8", o[i], o[i + 1]);
  } else if (DataType.isBool(t)) {
    const b = col.values as Uint8Array;
    read = (i) => ((b[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 1;
  } else if (col.values instanceof BigInt64Array) {
    const v32 = new Int32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2);
    read = (i) => v32[i * 2 + 1] * TWO_32 + (v32[i * 2] >>> 0);
  } else {
    const v = col.values as Float64Array | Int32Array;
    read = (i) => v[i];
  }
  return col.nullCount > 0 ? (i) => (isValid(col, i) ? read(i) : null) : read;
}

/**
 * Rows as single-object encoded Avro records; `plain` writes bare binary records instead, as message
 * keys are written: a key's bytes choose its partition, so they stay what Sabot always wrote.
 */
export class AvroEncoder implements Encoder {
  readonly format = "avro" as const;
  private readonly type: avro.Type;
  private readonly names: string[];
  private readonly prefix: Buffer;
  constructor(
    readonly schema: Schema,
    recordName = "Row",
    plain = false,
  ) {
    this.type = avro.Type.forSchema(avroSchema(schema, recordName));
    this.names = schema.fields.map((f) => f.name);
    this.prefix = plain ? Buffer.alloc(0) : avroSingleObjectPrefix(schema, recordName);
  }

  encode(batch: RecordBatch): Buffer[] {
    const cols = columnsOf(batch).map(reader);
    const names = this.names;
    const out: Buffer[] = new Array(batch.numRows);
    // avsc writes from an object per row; one object is reused for every row of the batch.
    const row: Record<string, unknown> = {};
    for (let i = 0; i < batch.numRows; i++) {
      for (let c = 0; c < cols.length; c++) row[names[c]] = cols[c](i);
      let body: Buffer;
      try {
        body = this.type.toBuffer(row);
      } catch (err) {
        throw new Error(`row ${i} cannot be written as Avro: ${(err as Error).message}`);
      }
      out[i] = this.prefix.length === 0 ? body : Buffer.concat([this.prefix, body], this.prefix.length + body.length);
    }
    return out;
  }
}
