import { describe, expect, it } from "vitest";
import { kafkaSinkConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink } from "../../../../runtime/connectors/kafka/index.js";
import type { FieldSpec, Format } from "../../../../runtime/contract/spec/schema.js";
import { createDecoder } from "../../../../runtime/formats/index.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { randomBatch, seededRng } from "../../../helpers/random.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, readTopic, useKafkaClient } from "./kafka-helpers.js";

const FIELDS: FieldSpec[] = [
  { name: "user", type: "utf8", nullable: false },
  { name: "n", type: "int32" },
  { name: "country", type: "utf8", dictionary: true },
  { name: "total", type: "float64" },
  { name: "ts", type: "timestamp[ms]" },
];
const schema = arrowSchema(FIELDS);

const k = useTestKafka();

const canon = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

describe.each(KAFKA_CLIENTS)("on %s", (client) => {
  useKafkaClient(client);

  describe.each(["json", "avro", "arrow"] as Format[])("kafka sink (%s)", (format) => {
    it("writes messages an independent consumer reads back identical; flush waits for acks", async () => {
      const topic = await createTopic(k.admin, `sink-${format}`, 3);
      const key = format === "arrow" ? undefined : ["user"];
      const input = { schema };
      const sink = kafkaSink(
        kafkaSinkConfig({ bootstrapServers: testEnv().kafka.brokers, topic, format, key }, input),
        input,
        connectorContext("out"),
      );
      await sink.open();
      const rng = seededRng(31);
      const batches = Array.from({ length: 5 }, () =>
        randomBatch(rng, FIELDS, 300, { strings: ["ann", "bob", "cy", "dee"] }),
      );
      for (const b of batches) await sink.write(b);
      await sink.flush();
      const offsets = await k.admin.fetchTopicOffsets(topic);
      const count = offsets.reduce((s, p) => s + Number(p.high), 0);
      expect(count).toBe(format === "arrow" ? 5 : 1500);
      await sink.close();

      const messages = await readTopic(k.kafka, topic, count);
      const dec = createDecoder(format, schema);
      const { batches: back, bad } = dec.decode(messages.map((m) => m.value));
      expect(bad).toEqual([]);
      expect(canon(back.flatMap(batchRows))).toEqual(canon(batches.flatMap(batchRows)));
      if (key) {
        // Equal keys land in one partition, and the key holds the key columns in the value's format.
        const partitionOf = new Map<string, number>();
        for (const m of messages) {
          const k = m.key!.toString("hex");
          expect(partitionOf.get(k) ?? m.partition).toBe(m.partition);
          partitionOf.set(k, m.partition);
        }
        expect(partitionOf.size).toBe(4);
        if (format === "json") expect(messages.map((m) => m.key!.toString()).sort()[0]).toBe('{"user":"ann"}');
      }
    });
  });

  describe("kafka sink", () => {
    it("splits an arrow batch that would exceed the message size limit", async () => {
      const topic = await createTopic(k.admin, "sink-big", 1);
      const input = { schema };
      const config = {
        ...kafkaSinkConfig({ bootstrapServers: testEnv().kafka.brokers, topic, format: "arrow" }, input),
        maxMessageBytes: 20_000,
      };
      const sink = kafkaSink(config, input, connectorContext("out"));
      await sink.open();
      const batch = randomBatch(seededRng(5), FIELDS, 2000);
      await sink.write(batch);
      await sink.close();
      const high = Number((await k.admin.fetchTopicOffsets(topic))[0].high);
      expect(high).toBeGreaterThan(1);
      const messages = await readTopic(k.kafka, topic, high);
      expect(messages.every((m) => m.value!.length <= 20_000)).toBe(true);
      const back = createDecoder("arrow", schema)
        .decode(messages.map((m) => m.value))
        .batches.flatMap(batchRows);
      expect(back).toEqual(batchRows(batch));
    });

    it("writes arrow batches whose messages together exceed the broker's message.max.bytes", async () => {
      // Each batch splits into several messages under maxMessageBytes (1 MB); a produce request
      // holding all of them would be one record batch over the broker's 1 MiB: MESSAGE_TOO_LARGE.
      const topic = await createTopic(k.admin, "sink-large-arrow", 1);
      const input = { schema };
      const sink = kafkaSink(
        kafkaSinkConfig({ bootstrapServers: testEnv().kafka.brokers, topic, format: "arrow" }, input),
        input,
        connectorContext("out"),
      );
      await sink.open();
      const rng = seededRng(77);
      const strings = ["a", "b", "c"].map((c) => c.repeat(40_000));
      const batches = Array.from({ length: 3 }, () => randomBatch(rng, FIELDS, 100, { strings }));
      for (const b of batches) await sink.write(b);
      await sink.close();
      const high = Number((await k.admin.fetchTopicOffsets(topic))[0].high);
      expect(high).toBeGreaterThanOrEqual(9);
      const messages = await readTopic(k.kafka, topic, high);
      expect(messages.every((m) => m.value!.length <= 1_000_000)).toBe(true);
      const back = createDecoder("arrow", schema)
        .decode(messages.map((m) => m.value))
        .batches.flatMap(batchRows);
      // Rows as a multiset: kafkajs' concurrent requests (maxInFlight) may land out of order.
      expect(canon(back)).toEqual(canon(batches.flatMap(batchRows)));
    });

    it("refuses a topic that does not exist", async () => {
      const input = { schema };
      const sink = kafkaSink(
        kafkaSinkConfig({ bootstrapServers: testEnv().kafka.brokers, topic: "no-such-topic-x" }, input),
        input,
        connectorContext("out"),
      );
      await expect(sink.open()).rejects.toThrow(/does not exist/);
    });
  });
});
