import type { RecordBatch, Schema } from "apache-arrow";
import { Schema as ArrowSchema } from "apache-arrow";
import type { Format } from "../contract/spec/schema.js";
import { columnsOf, makeBatch } from "../types/column.js";
import { ArrowDecoder, ArrowEncoder } from "./arrow.js";
import { AvroDecoder, AvroEncoder } from "./avro.js";
import type { Decoder, Encoder } from "./format.js";
import { JsonDecoder, JsonEncoder } from "./json.js";

export type { BadMessage, BadReason, DecodeResult, Decoder, Encoder } from "./format.js";

export function createDecoder(format: Format, schema: Schema): Decoder {
  switch (format) {
    case "json":
      return new JsonDecoder(schema);
    case "avro":
      return new AvroDecoder(schema);
    case "arrow":
      return new ArrowDecoder(schema);
  }
}

export function createEncoder(format: Format, schema: Schema): Encoder {
  switch (format) {
    case "json":
      return new JsonEncoder(schema);
    case "avro":
      return new AvroEncoder(schema);
    case "arrow":
      return new ArrowEncoder(schema);
  }
}

/**
 * Message keys from key columns: one key per row, in the value's format over just those columns
 * (json: `{"auction":1007}`; avro: a plain binary `Key` record, no single-object prefix). Arrow messages hold whole batches and have no
 * per-row key, so a keyed Kafka sink needs json or avro (checked by the sink's config).
 */
export function createKeyEncoder(
  format: Exclude<Format, "arrow">,
  schema: Schema,
  keyColumns: string[],
): (batch: RecordBatch) => Buffer[] {
  const idx = keyColumns.map((k) => schema.fields.findIndex((f) => f.name === k));
  const keySchema = new ArrowSchema(idx.map((i) => schema.fields[i]));
  const enc = format === "json" ? new JsonEncoder(keySchema) : new AvroEncoder(keySchema, "Key", true);
  return (batch) => {
    const cols = columnsOf(batch);
    return enc.encode(
      makeBatch(
        keySchema,
        idx.map((i) => cols[i]),
        batch.numRows,
      ),
    );
  };
}
