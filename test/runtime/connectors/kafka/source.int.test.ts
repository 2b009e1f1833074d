import type { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import type { FieldSpec, Format, SourceSpec } from "../../../../runtime/contract/spec/schema.js";
import { createEncoder } from "../../../../runtime/formats/index.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { uniqueName } from "../../../helpers/names.js";
import { RECORD_FIELDS, randomBatch, seededRng } from "../../../helpers/random.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, readRows, testKafka, useKafkaClient } from "./kafka-helpers.js";

const FIELDS: FieldSpec[] = [...RECORD_FIELDS, { name: "ts", type: "timestamp[ms]", nullable: false }];
const schema = arrowSchema(FIELDS);

let kafka: Kafka;
let admin: Admin;
let brokers: string[];
beforeAll(async () => {
  brokers = testEnv().kafka.brokers;
  kafka = testKafka(brokers);
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});

function spec(topic: string, format: Format, extra: Partial<NonNullable<SourceSpec["kafka"]>> = {}): SourceSpec {
  return {
    kafka: { bootstrapServers: brokers, topic, format, startingOffsets: "earliest", ...extra },
    schema: FIELDS,
    eventTime: { field: "ts", idleTimeout: "1s" },
  };
}

const sortRows = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

describe.each(KAFKA_CLIENTS)("on %s", (client) => {
  useKafkaClient(client);

  describe.each(["json", "avro", "arrow"] as Format[])("kafka source (%s)", (format) => {
    it("reads back what was produced, partitions split over two subtasks, and commits its position", async () => {
      const topic = await createTopic(admin, `src-${format}`, 3);
      const rng = seededRng(21);
      const batches = Array.from({ length: 6 }, (_, i) => {
        const b = randomBatch(rng, FIELDS, 200, { nullRate: 0.2 });
        // Unique ids so rows can be matched whatever the partition interleaving.
        const ids = b.data.children[0].values as BigInt64Array;
        for (let j = 0; j < ids.length; j++) ids[j] = BigInt(i * 1000 + j);
        return b;
      });
      const producer = kafka.producer();
      await producer.connect();
      const enc = createEncoder(format, schema);
      for (const [i, b] of batches.entries())
        await producer.send({ topic, messages: enc.encode(b).map((value) => ({ value, partition: i % 3 })) });
      await producer.disconnect();

      const groupId = uniqueName("group");
      const sources = [0, 1].map((s) =>
        kafkaSource(kafkaSourceConfig("it", "in", spec(topic, format, { groupId })), connectorContext("in", s, 2)),
      );
      for (const s of sources) await s.open();
      expect(sources.map((s) => s.splits())).toEqual([[0, 2], [1]]);
      const read = [
        ...(await readRows(sources[0], 800)).flatMap((g) => batchRows(g!.batch)),
        ...(await readRows(sources[1], 400)).flatMap((g) => batchRows(g!.batch)),
      ];
      expect(sortRows(read)).toEqual(sortRows(batches.flatMap(batchRows)));
      const wanted = format === "arrow" ? { "0": "2", "1": "2", "2": "2" } : { "0": "400", "1": "400", "2": "400" };
      expect({ ...sources[0].position(), ...sources[1].position() }).toEqual(wanted);
      for (const s of sources) await s.commit(s.position());
      for (const s of sources) await s.close();

      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(Object.fromEntries(committed[0].partitions.map((p) => [String(p.partition), p.offset]))).toEqual(wanted);
    });
  });

  describe("kafka source", () => {
    it("starts from the group's committed offsets, and from earliest for partitions without one", async () => {
      const topic = await createTopic(admin, "committed", 2);
      const groupId = uniqueName("group");
      const producer = kafka.producer();
      await producer.connect();
      const enc = createEncoder("json", schema);
      const batch = randomBatch(seededRng(2), FIELDS, 10);
      await producer.send({ topic, messages: enc.encode(batch).map((value, i) => ({ value, partition: i % 2 })) });
      await producer.disconnect();
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "3" }] });
      const src = kafkaSource(
        kafkaSourceConfig("it", "in", spec(topic, "json", { groupId, startingOffsets: "committed" })),
        connectorContext("in"),
      );
      await src.open();
      expect(src.position()).toEqual({ "0": "3", "1": "0" });
      expect(src.caughtUp()).toBe(false);
      const rows = (await readRows(src, 7)).flatMap((g) => batchRows(g!.batch));
      expect(rows).toHaveLength(7);
      expect(src.caughtUp()).toBe(true);
      await src.close();
    });

    it("starts at the end with startingOffsets latest and reads only newer messages", async () => {
      const topic = await createTopic(admin, "latest", 1);
      const enc = createEncoder("json", schema);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: enc.encode(randomBatch(seededRng(3), FIELDS, 5)).map((value) => ({ value })),
      });
      const src = kafkaSource(
        kafkaSourceConfig("it", "in", spec(topic, "json", { startingOffsets: "latest" })),
        connectorContext("in"),
      );
      await src.open();
      expect(src.position()).toEqual({ "0": "5" });
      expect(src.caughtUp()).toBe(true);
      const newer = randomBatch(seededRng(4), FIELDS, 3);
      await producer.send({ topic, messages: enc.encode(newer).map((value) => ({ value })) });
      await producer.disconnect();
      const rows = (await readRows(src, 3)).flatMap((g) => batchRows(g!.batch));
      expect(rows).toEqual(batchRows(newer));
      await src.close();
    });

    it("stops fetching while its buffer is full, exports consumer lag, and marks quiet partitions idle", async () => {
      const topic = await createTopic(admin, "backpressure", 2);
      const enc = createEncoder("json", schema);
      const producer = kafka.producer();
      await producer.connect();
      // Many small requests: every produce request is its own record batch, so each fetch returns a few.
      for (let i = 0; i < 40; i++)
        await producer.send({
          topic,
          messages: enc.encode(randomBatch(seededRng(i), FIELDS, 50)).map((value) => ({ value, partition: 0 })),
        });
      await producer.disconnect();
      const ctx = connectorContext("in");
      const config = {
        ...kafkaSourceConfig("it", "in", spec(topic, "json")),
        bufferBatches: 2,
        partitionMaxBytes: 16 * 1024,
      };
      const src = kafkaSource(config, ctx);
      await src.open();
      await new Promise((r) => setTimeout(r, 1500));
      // Full, and no further: 2000 messages would fill ~20 entries of 16 KiB fetches.
      expect(src.bufferedEntries()).toBe(2);
      const lag = async () =>
        (await ctx.metrics.consumerLag.get()).values.find((v) => v.labels.partition === "0")?.value;
      expect(await lag()).toBe(2000);
      expect(src.idleSplits(Date.now())).toEqual([1]);
      await readRows(src, 2000);
      expect(await lag()).toBe(0);
      await src.close();
    });

    it("says which topic is missing", async () => {
      const src = kafkaSource(kafkaSourceConfig("it", "in", spec(uniqueName("nope"), "json")), connectorContext("in"));
      await expect(src.open()).rejects.toThrow(/does not exist/);
      await src.close();
    });
  });
});
