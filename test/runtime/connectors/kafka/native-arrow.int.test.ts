import { Field, Int64, makeData, Schema } from "apache-arrow";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { type KafkaClientKind, kafkaSinkConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { NativeKafkaSink } from "../../../../runtime/connectors/kafka/native-sink.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { batchToIPCStream } from "../../../../runtime/formats/ipc.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { ALL_TYPES } from "../../../helpers/random.js";
import { batchOver, chunks, keysOver, stream } from "../../formats/arrow-dictionaries.js";
import { connectorContext, createTopic, readTopic } from "./kafka-helpers.js";
import { sinkBatches } from "./native-encode-cases.js";
import { expectSameReads, readWithBoth, withTombstonesAndOversized } from "./native-equivalence.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-arrow.int.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

/** The reading side: city as plain utf8, so the rows compare as strings (the decoder joins deltas, then decodes). */
/** The sink's columns without a dictionary one. */
const PLAIN = ALL_TYPES.filter((f) => !f.dictionary);

const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "city", type: "utf8" },
];

/** A stream whose city column is int64: the schema-mismatch verdict of arrow.ts. */
function mismatched(i: number): Uint8Array {
  const schema = new Schema([new Field("id", new Int64(), false), new Field("city", new Int64(), true)]);
  const col = () => makeData({ type: new Int64(), length: 1, data: BigInt64Array.of(BigInt(i)) });
  return batchToIPCStream(makeBatch(schema, [col(), col()], 1));
}

/**
 * Message i: a stream with a delta dictionary (every third), one batch, a malformed one (every
 * 50th), or one whose column types differ (every 97th).
 */
function arrowMessages(n: number): Uint8Array[] {
  const c = chunks(2, 3);
  const both = c[0].concat(c[1]);
  return Array.from({ length: n }, (_, i) => {
    if (i % 50 === 7) return new Uint8Array(Buffer.from(`not an arrow stream ${i}`));
    if (i % 97 === 11) return mismatched(i);
    if (i % 3 === 0) return stream([batchOver(c[0], i * 10, keysOver(3)), batchOver(both, i * 10 + 5, keysOver(6))]);
    return stream([batchOver(c[i % 2], i * 10, keysOver(3))]);
  });
}

/** A message as comparable text: its value (arrow messages have no key; the partition is the partitioner's). */
const value = (m: KafkaMessage) => m.value?.toString("hex") ?? null;

describe.skipIf(!built)("kafka arrow on the native client", () => {
  const k = useTestKafka();

  it("reads arrow messages (delta dictionaries, malformed and mismatched ones) exactly as the librdkafka source: rows, positions and dead letters", async () => {
    const values = withTombstonesAndOversized(
      arrowMessages(3100),
      stream([batchOver(chunks(1, 3)[0], 0, Array(400).fill(1))]),
    );
    const headers = (i: number) => (i % 7 === 0 ? { origin: `m${i}` } : undefined);
    // 62 malformed (i % 50 == 7), 31 mismatched (i % 97 == 11 but not i = 1757), the oversized one and two tombstones.
    const read = await readWithBoth(k, "native-arrow-eq", "arrow", FIELDS, values, headers, 96);
    const dead = expectSameReads(read, 10_000);
    expect(dead).toHaveLength(96);
    // Tombstones are dead letters of reason malformed too (detail "a tombstone").
    const malformed = dead.filter((d) => d.includes('"reason":"malformed"') && !d.includes("a tombstone"));
    expect(malformed).toHaveLength(62);
    expect(dead.filter((d) => d.includes('"reason":"schema-mismatch"'))).toHaveLength(31);
  }, 120_000);

  it.each([
    ["every column type, each batch split to fit maxMessageBytes", ALL_TYPES, 30_000],
    ["no dictionary column, one message per batch (the reused buffer)", PLAIN, 1_000_000],
  ] as const)(
    "writes the messages the librdkafka sink writes: %s",
    async (_, fields, maxMessageBytes) => {
      const batches = sinkBatches(91).map((b) => b.select(fields.map((f) => f.name)));
      const schema = arrowSchema([...fields]);
      const write = async (client: KafkaClientKind) => {
        const topic = await createTopic(k.admin, `native-arrow-sink-${client}`, 3);
        const spec = { bootstrapServers: testEnv().kafka.brokers, topic, format: "arrow" as const, client };
        // 30,000: every 700-row batch is written as several messages (one native call each).
        const config = { ...kafkaSinkConfig({ ...spec, compression: "lz4" }, { schema }), maxMessageBytes };
        const sink = kafkaSink(config, { schema }, connectorContext("out"));
        await sink.open();
        for (const b of batches) await sink.write(b);
        await sink.flush();
        await sink.close();
        const offsets = await k.admin.fetchTopicOffsets(topic);
        const count = offsets.reduce((s, p) => s + Number(p.high), 0);
        return { sink, messages: (await readTopic(k.kafka, topic, count)).map(value).sort() };
      };
      const native = await write("native");
      const reference = await write("librdkafka");
      expect(native.sink).toBeInstanceOf(NativeKafkaSink);
      expect(reference.sink).not.toBeInstanceOf(NativeKafkaSink);
      if (maxMessageBytes < 1_000_000) expect(native.messages.length).toBeGreaterThan(2 * batches.length);
      else expect(native.messages).toHaveLength(batches.length);
      expect(native.messages).toEqual(reference.messages);
    },
    120_000,
  );
});
