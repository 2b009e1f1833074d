import { createHash } from "node:crypto";
import { type Data, DataType, type Field, type RecordBatch, type Schema } from "apache-arrow";
import avro from "avsc";
import { columnsOf, isValid, stringAt } from "../types/column.js";
import {
  asBuffer,
  type BadReason,
  type DecodeResult,
  type Decoder,
  type Encoder,
  type MessageHeaders,
} from "./format.js";
import { decodeRows } from "./row-filler.js";

/**
 * `avro`: one Avro binary record per message (no container header, no schema-registry prefix),
 * written and read with the record schema derived from the Arrow schema by `avroSchema`.
 *
 * Avro's binary form has no field names: writer and reader must agree on the columns, their order
 * and types. Two things keep a mismatch from going unnoticed or failing needlessly:
 * - every field is a union with null whatever the column's nullability, so jobs that declare
 *   nullability differently still agree (a null in a non-nullable column is a bad message);
 * - the encoder's messages carry the schema's fingerprint in a `sabot.avro.schema` header, and a
 *   message whose fingerprint differs from the reader's is a bad message (`schema-mismatch`) instead
 *   of garbage rows. Messages without the header (other producers) are read as they are.
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

export const AVRO_SCHEMA_HEADER = "sabot.avro.schema";

/** A short hash of the Avro schema a message was written with (names, order, types). */
export function avroFingerprint(schema: Schema, name = "Row"): string {
  return createHash("sha256")
    .update(JSON.stringify(avroSchema(schema, name)))
    .digest("hex")
    .slice(0, 16);
}

export class AvroDecoder implements Decoder {
  readonly format = "avro" as const;
  private readonly type: avro.Type;
  private readonly fingerprint: string;
  constructor(readonly schema: Schema) {
    this.type = avro.Type.forSchema(avroSchema(schema));
    this.fingerprint = avroFingerprint(schema);
  }

  checkHeaders(headers: MessageHeaders | undefined): { reason: BadReason; detail: string } | null {
    const h = headers?.[AVRO_SCHEMA_HEADER];
    if (h === undefined || String(h) === this.fingerprint) return null;
    return {
      reason: "schema-mismatch",
      detail:
        `written with another Avro schema (fingerprint ${String(h)}, this source's is ${this.fingerprint}): ` +
        `the source's schema must list the writer's columns in the same order with the same types`,
    };
  }

  decode(messages: ReadonlyArray<Uint8Array | null>): DecodeResult {
    return decodeRows(this.schema, messages, (m) => {
      try {
        return this.type.fromBuffer(asBuffer(m)) as Record<string, unknown>;
      } catch (err) {
        return `not an Avro record of this source's schema (same columns, order and types as the writer's?): ${(err as Error).message}`;
      }
    });
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

export class AvroEncoder implements Encoder {
  readonly format = "avro" as const;
  readonly headers: Record<string, string>;
  private readonly type: avro.Type;
  private readonly names: string[];
  constructor(
    readonly schema: Schema,
    recordName = "Row",
  ) {
    this.type = avro.Type.forSchema(avroSchema(schema, recordName));
    this.names = schema.fields.map((f) => f.name);
    this.headers = { [AVRO_SCHEMA_HEADER]: avroFingerprint(schema, recordName) };
  }

  encode(batch: RecordBatch): Buffer[] {
    const cols = columnsOf(batch).map(reader);
    const names = this.names;
    const out: Buffer[] = new Array(batch.numRows);
    // avsc writes from an object per row; one object is reused for every row of the batch.
    const row: Record<string, unknown> = {};
    for (let i = 0; i < batch.numRows; i++) {
      for (let c = 0; c < cols.length; c++) row[names[c]] = cols[c](i);
      try {
        out[i] = this.type.toBuffer(row);
      } catch (err) {
        throw new Error(`row ${i} cannot be written as Avro: ${(err as Error).message}`);
      }
    }
    return out;
  }
}
