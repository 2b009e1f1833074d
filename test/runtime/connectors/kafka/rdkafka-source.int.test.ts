import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { DLQ_HEADERS } from "../../../../runtime/connectors/kafka/dead-letters.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { RdkafkaSource } from "../../../../runtime/connectors/kafka/rdkafka-source.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { connectorContext, createTopic, readRows, readTopic, useKafkaClient } from "./kafka-helpers.js";

/** What only the librdkafka source has to show (the shared behaviour is tested on both clients elsewhere). */
describe("kafka source on librdkafka", () => {
  const k = useTestKafka();
  useKafkaClient("librdkafka");

  it("a record over maxRecordBytes is an oversized dead letter before any decoding; the records around it flow", async () => {
    const topic = await createTopic(k.admin, "rdk-oversized", 1);
    const dlq = await createTopic(k.admin, "rdk-oversized-dlq", 1);
    const huge = Buffer.from(`{"id":2,"name":"${"x".repeat(200_000)}"}`);
    const small = (id: number) => Buffer.from(`{"id":${id},"name":"ok"}`);
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [small(1), huge, small(3)].map((value) => ({ value })) });
    await producer.disconnect();
    const spec = {
      kafka: {
        bootstrapServers: testEnv().kafka.brokers,
        topic,
        format: "json" as const,
        deadLetterTopic: dlq,
        startingOffsets: "earliest" as const,
        maxRecordBytes: 64,
      },
      schema: [
        { name: "id", type: "int64" as const, nullable: false },
        { name: "name", type: "utf8" as const },
      ],
    };
    const src = kafkaSource(kafkaSourceConfig("it", "hostile", spec), connectorContext("hostile"));
    expect(src).toBeInstanceOf(RdkafkaSource);
    await src.open();
    const rows = (await readRows(src, 2)).flatMap((g) => batchRows(g!.batch));
    await src.close();
    expect(rows).toEqual([
      { id: 1, name: "ok" },
      { id: 3, name: "ok" },
    ]);
    const [dead] = await readTopic(k.kafka, dlq, 1);
    expect(dead.headers?.[DLQ_HEADERS.reason]?.toString()).toBe("oversized");
    expect(dead.headers?.[DLQ_HEADERS.offset]?.toString()).toBe("1");
  });
});
