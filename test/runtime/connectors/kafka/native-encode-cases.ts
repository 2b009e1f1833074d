import type { RecordBatch } from "apache-arrow";
import { expect } from "vitest";
import { nativeKafka } from "../../../../runtime/connectors/kafka/native-addon.js";
import { encColumns } from "../../../../runtime/connectors/kafka/native-sink.js";
import { avroSingleObjectPrefix } from "../../../../runtime/formats/avro.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../../helpers/random.js";

/** Shared by the native encoders' unit tests (json, avro) and the native sink's broker tests. */

/**
 * The native encoder's messages for a batch as text (null: it left the batch to the JS encoder);
 * avro with the single-object prefix, as the native sink writes them.
 */
export function nativeEncode(format: "json" | "avro", batch: RecordBatch, as: "utf8" | "hex"): string[] | null {
  const idx = batch.schema.fields.map((_, i) => i);
  const args = { columns: encColumns(batch.schema, batch, idx), rows: batch.numRows };
  const res =
    format === "json"
      ? nativeKafka().encodeJson(args)
      : nativeKafka().encodeAvro({ ...args, prefix: avroSingleObjectPrefix(batch.schema) });
  if (!res) return null;
  const o = new Int32Array(res.offsets);
  return Array.from({ length: batch.numRows }, (_, i) => res.data.toString(as, o[i], o[i + 1]));
}

/** 20 random batches of every type (every other with nulls), whole and sliced: `encode` gives `reference`'s messages. */
export function expectRandomBatches(
  seed: number,
  encode: (b: RecordBatch) => string[] | null,
  reference: (b: RecordBatch) => string[],
): void {
  const rng = seededRng(seed);
  for (let round = 0; round < 20; round++) {
    const batch = randomBatch(rng, ALL_TYPES, 500, { nullRate: round % 2 ? 0.3 : 0 });
    expect(encode(batch)).toEqual(reference(batch));
    const part = batch.slice(37, 411);
    expect(encode(part)).toEqual(reference(part));
  }
}

/** Six random batches of 700 rows of every type for the sink tests; batch 3 has a string that is not valid UTF-8. */
export function sinkBatches(seed: number): RecordBatch[] {
  const rng = seededRng(seed);
  const batches = Array.from({ length: 6 }, (_, i) => randomBatch(rng, ALL_TYPES, 700, { nullRate: i % 2 ? 0.2 : 0 }));
  const s = batches[3].data.children[4];
  (s.values as Uint8Array)[(s.valueOffsets as Int32Array)[5]] = 0xff;
  return batches;
}
