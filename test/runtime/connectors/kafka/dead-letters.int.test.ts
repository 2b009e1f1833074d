import { describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { DLQ_HEADERS } from "../../../../runtime/connectors/kafka/dead-letters.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import type { FieldSpec, Format } from "../../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { randomBatch, seededRng } from "../../../helpers/random.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, readRows, readTopic, useKafkaClient } from "./kafka-helpers.js";

const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "name", type: "utf8" },
  { name: "amount", type: "float64" },
];

const k = useTestKafka();

const GOOD = ['{"id":1,"name":"a","amount":1.5}', '{"id":2,"name":"b"}', '{"id":3,"amount":-2}'];
const BAD = [
  { value: '{"id":10,"name":"x"', reason: "malformed" },
  { value: '{"name":"no id","amount":1}', reason: "missing-field" },
  { value: '{"id":"twelve","name":"y"}', reason: "wrong-type" },
];

async function run(format: Format, deadLetterTopic: string | undefined) {
  const topic = await createTopic(k.admin, "dlq-src", 1);
  const producer = k.kafka.producer();
  await producer.connect();
  // good, bad, good, bad, good, bad: offsets 0..5
  const messages = GOOD.flatMap((g, i) => [
    { value: g, headers: { origin: "test" } },
    { key: `k${i}`, value: BAD[i].value, headers: { origin: "test" } },
  ]);
  await producer.send({ topic, messages });
  await producer.disconnect();
  const ctx = connectorContext("orders");
  const spec = {
    kafka: {
      bootstrapServers: testEnv().kafka.brokers,
      topic,
      format,
      deadLetterTopic,
      startingOffsets: "earliest" as const,
    },
    schema: FIELDS,
  };
  const src = kafkaSource(kafkaSourceConfig("it", "orders", spec), ctx);
  await src.open();
  const rows = (await readRows(src, 3)).flatMap((g) => batchRows(g!.batch));
  const position = src.position();
  await src.close();
  return { topic, ctx, rows, position };
}

describe.each(KAFKA_CLIENTS)("on %s", (client) => {
  useKafkaClient(client);

  describe("kafka source with bad messages", () => {
    it("counts, logs and dead-letters each bad message with its origin while good rows flow", async () => {
      const dlq = await createTopic(k.admin, "dlq", 1);
      const { topic, ctx, rows, position } = await run("json", dlq);

      expect(rows).toEqual([
        { id: 1, name: "a", amount: 1.5 },
        { id: 2, name: "b", amount: null },
        { id: 3, name: null, amount: -2 },
      ]);
      // Past the bad messages too: they are consumed (and safe in the dead-letter topic).
      expect(position).toEqual({ "0": "6" });

      const counted = (await ctx.metrics.badRecords.get()).values;
      expect(counted.map((v) => [v.labels.reason, v.labels.topic, v.value]).sort()).toEqual(
        [
          ["malformed", topic, 1],
          ["missing-field", topic, 1],
          ["wrong-type", topic, 1],
        ].sort(),
      );

      const logged = ctx.captured.lines.filter((l) => l.msg === "bad message: cannot be decoded");
      expect(logged.map((l) => [l.topic, l.partition, l.offset, l.reason])).toEqual([
        [topic, 0, "1", "malformed"],
        [topic, 0, "3", "missing-field"],
        [topic, 0, "5", "wrong-type"],
      ]);

      const dead = await readTopic(k.kafka, dlq, 3);
      const header = (m: (typeof dead)[number], h: string) => m.headers?.[h]?.toString();
      expect(
        dead.map((m) => [
          m.value?.toString(),
          m.key?.toString(),
          header(m, "origin"),
          header(m, DLQ_HEADERS.topic),
          header(m, DLQ_HEADERS.partition),
          header(m, DLQ_HEADERS.offset),
          header(m, DLQ_HEADERS.reason),
        ]),
      ).toEqual([
        [BAD[0].value, "k0", "test", topic, "0", "1", "malformed"],
        [BAD[1].value, "k1", "test", topic, "0", "3", "missing-field"],
        [BAD[2].value, "k2", "test", topic, "0", "5", "wrong-type"],
      ]);
      expect(header(dead[2], DLQ_HEADERS.detail)).toBe('field "id" must be an integer, got string "twelve"');
    });

    it("without a dead-letter topic still counts and logs every bad message", async () => {
      const { ctx, rows } = await run("json", undefined);
      expect(rows).toHaveLength(3);
      const total = (await ctx.metrics.badRecords.get()).values.reduce((s, v) => s + v.value, 0);
      expect(total).toBe(3);
      expect(ctx.captured.lines.filter((l) => l.msg === "bad message: cannot be decoded")).toHaveLength(3);
    });
  });

  describe("kafka source reading avro written by a sabot sink", () => {
    it("reads it with other nullability, and dead-letters it when the column order differs", async () => {
      const brokers = testEnv().kafka.brokers;
      const topic = await createTopic(k.admin, "avro-agree", 1);
      const written: FieldSpec[] = [
        { name: "id", type: "int64", nullable: false },
        { name: "amount", type: "float64", nullable: false },
      ];
      const input = { schema: arrowSchema(written) };
      const sink = kafkaSink(
        kafkaSinkConfig({ bootstrapServers: brokers, topic, format: "avro" }, input),
        input,
        connectorContext("out"),
      );
      await sink.open();
      const batch = randomBatch(seededRng(1), written, 20);
      await sink.write(batch);
      await sink.close();

      const read = async (schema: FieldSpec[], dlq?: string) => {
        const ctx = connectorContext("in");
        const spec = {
          kafka: {
            bootstrapServers: brokers,
            topic,
            format: "avro" as const,
            startingOffsets: "earliest" as const,
            deadLetterTopic: dlq,
          },
          schema,
        };
        const src = kafkaSource(kafkaSourceConfig("it", "in", spec), ctx);
        await src.open();
        return { src, ctx };
      };
      // Declared nullable (the default) while the writer's columns were not: fine.
      const ok = await read(written.map((f) => ({ name: f.name, type: f.type })));
      expect((await readRows(ok.src, 20)).flatMap((g) => batchRows(g!.batch))).toEqual(batchRows(batch));
      await ok.src.close();

      // Same types, other order: every message is a schema-mismatch, none becomes a garbage row.
      const dlq = await createTopic(k.admin, "avro-agree-dlq", 1);
      const swapped = await read([written[1], written[0]], dlq);
      const dead = await readTopic(k.kafka, dlq, 20);
      expect(new Set(dead.map((m) => m.headers?.[DLQ_HEADERS.reason]?.toString()))).toEqual(
        new Set(["schema-mismatch"]),
      );
      expect(swapped.src.position()).toEqual({ "0": "0" });
      expect(swapped.src.bufferedEntries()).toBe(1);
      await swapped.src.close();
    });
  });
});
