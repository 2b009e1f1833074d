import type { RecordBatch } from "apache-arrow";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import {
  type KafkaClientKind,
  kafkaSinkConfig,
  kafkaSourceConfig,
} from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { NativeKafkaSink } from "../../../../runtime/connectors/kafka/native-sink.js";
import { NativeKafkaSource } from "../../../../runtime/connectors/kafka/native-source.js";
import { avroSingleObjectPrefix } from "../../../../runtime/formats/avro.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { stringAt } from "../../../../runtime/types/column.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { uniqueName } from "../../../helpers/names.js";
import { ALL_TYPES } from "../../../helpers/random.js";
import { connectorContext, createTopic, readTopic } from "./kafka-helpers.js";
import { sinkBatches } from "./native-encode-cases.js";
import { readAll, spec } from "./native-equivalence.js";
import { rows } from "./native-json-cases.js";

const built = nativeKafkaBuilt();
if (!built)
  console.warn(`native-avro-sink.int.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const schema = arrowSchema(ALL_TYPES);
// The reading side's schema: "d" as plain utf8 (the native decoder fills no dictionaries; Avro has the same string).
const READ_FIELDS = ALL_TYPES.map(({ dictionary: _, ...f }) => f);

/** A message as comparable text: partition, key, value and headers. */
const text = (m: KafkaMessage & { partition: number }) =>
  JSON.stringify([
    m.partition,
    m.key?.toString("hex") ?? null,
    m.value?.toString("hex") ?? null,
    Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]),
  ]);

describe.skipIf(!built)("kafka avro sink on the native client", () => {
  const k = useTestKafka();

  it("writes the librdkafka sink's messages (values, keys, partitions, the schema fingerprint), which both avro sources read back as the rows written", async () => {
    // Batch 3 has a string that is not valid UTF-8: AvroEncoder encodes it, and it is sent natively.
    const batches = sinkBatches(91);
    const count = batches.reduce((n, b) => n + b.numRows, 0);
    const write = async (client: KafkaClientKind) => {
      const topic = await createTopic(k.admin, `native-avro-sink-${client}`, 3);
      const config = kafkaSinkConfig(
        { bootstrapServers: testEnv().kafka.brokers, topic, format: "avro", key: ["id"], client, compression: "lz4" },
        { schema },
      );
      const sink = kafkaSink(config, { schema }, connectorContext("out"));
      await sink.open();
      for (const b of batches) await sink.write(b);
      await sink.flush();
      await sink.close();
      const messages = await readTopic(k.kafka, topic, count);
      return { sink, topic, messages };
    };
    const native = await write("native");
    const reference = await write("librdkafka");
    expect(native.sink).toBeInstanceOf(NativeKafkaSink);
    expect(reference.sink).not.toBeInstanceOf(NativeKafkaSink);
    expect(native.messages).toHaveLength(count);
    expect(native.messages.map(text).sort()).toEqual(reference.messages.map(text).sort());
    // Single-object encoded (the schema's fingerprint before each record), with no header; keys plain.
    const prefix = avroSingleObjectPrefix(schema);
    for (const m of native.messages) {
      expect(m.value?.subarray(0, prefix.length).equals(prefix)).toBe(true);
      expect(m.headers ?? {}).toEqual({});
      expect(m.key?.[0]).not.toBe(0xc3);
    }

    // Read back by the avro source on each client: the rows written (partitions interleave them: compared sorted).
    const sorted = (r: unknown[][]) =>
      r.map((x) => JSON.stringify(x, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))).sort();
    const written = sorted(
      batches.flatMap((b) => {
        const d = b.data.children[5];
        return rows(b).map((r, i) => r.map((v, c) => (c === 5 && v !== null ? stringAt(d, i) : v)));
      }),
    );
    const ends = Object.fromEntries(
      (await k.admin.fetchTopicOffsets(native.topic)).map((p) => [String(p.partition), p.high]),
    );
    for (const client of ["native", "librdkafka"] as const) {
      const extra = { format: "avro" as const, groupId: uniqueName("g") };
      const source = kafkaSource(
        kafkaSourceConfig("it", "back", spec(native.topic, client, extra, READ_FIELDS)),
        connectorContext("back"),
      );
      await source.open();
      try {
        expect(source instanceof NativeKafkaSource).toBe(client === "native");
        const read = (await readAll(source, ends)).flatMap((b) => rows(b.batch as RecordBatch));
        expect(sorted(read)).toEqual(written);
      } finally {
        await source.close();
      }
    }
  }, 120_000);
});
