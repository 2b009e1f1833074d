import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { KafkaClientKind } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSinkConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafka, nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { encColumns, NativeKafkaSink } from "../../../../runtime/connectors/kafka/native-sink.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { utf8Data } from "../../../../runtime/types/builders.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { ALL_TYPES } from "../../../helpers/random.js";
import { connectorContext, createTopic, readTopic } from "./kafka-helpers.js";
import { sinkBatches } from "./native-encode-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-sink.int.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const schema = arrowSchema(ALL_TYPES);

/** A message as comparable text: partition, key and value. */
const text = (m: KafkaMessage & { partition: number }) =>
  JSON.stringify([m.partition, m.key?.toString("hex") ?? null, m.value?.toString("hex") ?? null]);

describe.skipIf(!built)("kafka sink on the native client", () => {
  const k = useTestKafka();

  it("writes the messages the librdkafka sink writes (values, keys, partitions), with zstd, a batch with invalid UTF-8 too", async () => {
    // Batch 3 has a string that is not valid UTF-8: that batch is encoded by JsonEncoder and sent natively.
    const batches = sinkBatches(77);
    const idx = ALL_TYPES.map((_, i) => i);
    expect(nativeKafka().encodeJson({ columns: encColumns(schema, batches[3], idx), rows: 700 })).toBeNull();
    const rows = batches.reduce((n, b) => n + b.numRows, 0);
    const write = async (client: KafkaClientKind) => {
      const topic = await createTopic(k.admin, `native-sink-${client}`, 3);
      const spec = { bootstrapServers: testEnv().kafka.brokers, topic, format: "json" as const, key: ["id"], client };
      const config = kafkaSinkConfig({ ...spec, compression: "zstd" }, { schema });
      const sink = kafkaSink(config, { schema }, connectorContext("out"));
      await sink.open();
      for (const b of batches) await sink.write(b);
      await sink.flush();
      await sink.close();
      return { sink, messages: (await readTopic(k.kafka, topic, rows)).map(text).sort() };
    };
    const native = await write("native");
    const reference = await write("librdkafka");
    expect(native.sink).toBeInstanceOf(NativeKafkaSink);
    expect(reference.sink).not.toBeInstanceOf(NativeKafkaSink);
    expect(native.messages).toHaveLength(rows);
    expect(native.messages).toEqual(reference.messages);
  }, 120_000);

  it("a message the producer refuses fails the write with the topic and librdkafka's reason", async () => {
    const topic = await createTopic(k.admin, "native-sink-big", 1);
    const fields = [{ name: "s", type: "utf8" as const }];
    const input = { schema: arrowSchema(fields) };
    const config = kafkaSinkConfig(
      { bootstrapServers: testEnv().kafka.brokers, topic, format: "json", client: "native" },
      input,
    );
    const sink = kafkaSink(config, input, connectorContext("big"));
    await sink.open();
    const big = makeBatch(input.schema, [utf8Data(["ok", "x".repeat(3_000_000)])], 2);
    await expect(sink.write(big)).rejects.toThrow(
      new RegExp(`writing to kafka topic "${topic}" failed: .*(too large|size)`, "i"),
    );
    await sink.abort?.();
  });

  it("an exactly-once sink chosen native runs on librdkafka's transactions and says so", () => {
    const ctx = { ...connectorContext("eos"), exactlyOnce: true };
    const config = kafkaSinkConfig(
      { bootstrapServers: testEnv().kafka.brokers, topic: "t", format: "json", client: "native" },
      { schema },
    );
    expect(kafkaSink(config, { schema }, ctx)).not.toBeInstanceOf(NativeKafkaSink);
    expect(ctx.captured.lines.some((l) => String(l.msg).includes("this sink runs on librdkafka"))).toBe(true);
  });
});
