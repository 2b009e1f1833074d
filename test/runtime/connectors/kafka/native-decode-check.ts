import type { Schema } from "apache-arrow";
import { nativeKafka } from "../../../../runtime/connectors/kafka/native-addon.js";
import { decodePlan, nativeBatch } from "../../../../runtime/connectors/kafka/native-plan.js";
import { settleRejected } from "../../../../runtime/connectors/kafka/native-source.js";
import { avroSingleObjectPrefix } from "../../../../runtime/formats/avro.js";
import { createDecoder } from "../../../../runtime/formats/index.js";
import { rows } from "./native-json-cases.js";

/** The native decoders alone against their references (json.ts, avro.ts), as the native source uses them. */

type NativeFormat = "json" | "avro";

/**
 * Native decode + the reference's verdict on what it left, as the source does it: rows, the
 * indexes of the bad messages, and how many the native decoder left to the reference.
 */
export function nativeDecode(
  format: NativeFormat,
  messages: Uint8Array[],
  schema: Schema,
  headers: [string, Buffer][][] = [],
): { rows: unknown[][]; bad: number[]; left: number } {
  const plan = decodePlan(schema);
  if (typeof plan === "string") throw new Error(plan);
  if (format === "avro") plan.avroPrefix = avroSingleObjectPrefix(schema);
  const offsets = new Int32Array(messages.length + 1);
  for (let i = 0; i < messages.length; i++) offsets[i + 1] = offsets[i] + messages[i].length;
  const data = new Uint8Array(offsets[messages.length]);
  for (let i = 0; i < messages.length; i++) data.set(messages[i], offsets[i]);
  const addon = nativeKafka();
  const res = format === "json" ? addon.decodeJson(plan, data, offsets) : addon.decodeAvro(plan, data, offsets);
  const batch = nativeBatch(schema, plan, res.columns, res.rows);
  const rejected = res.rejected.map((index, k) => ({
    index,
    row: index - k,
    key: null,
    value: Buffer.from(messages[index]),
    headers: headers[index] ?? [],
  }));
  const settled = settleRejected(batch, rejected, createDecoder(format, schema), 1 << 20);
  return { rows: rows(settled.batch), bad: settled.bad.map((r) => r.index), left: rejected.length };
}

/** The reference decoder's rows and bad message indexes. */
export function referenceDecode(format: NativeFormat, messages: Uint8Array[], schema: Schema) {
  const res = createDecoder(format, schema).decode(messages);
  return { rows: rows(res.batches[0]), bad: res.bad.map((b) => b.index) };
}
