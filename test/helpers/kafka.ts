import { type Admin, Kafka, type KafkaMessage, logLevel } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { testEnv } from "./env.js";
import { uniqueName } from "./names.js";

/** Test-side Kafka access with plain kafkajs (independent of the connector under test). */
export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: "sabot-test", brokers, logLevel: logLevel.NOTHING });
}

/** A new topic with a unique name; `configs` are topic settings, e.g. { "cleanup.policy": "compact" }. */
export async function createTopic(
  admin: Admin,
  prefix: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<string> {
  const topic = uniqueName(prefix);
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
    waitForLeaders: true,
  });
  return topic;
}

/** Every message of a topic, read with a kafkajs consumer from the beginning until `count` arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer = kafka.consumer({ groupId: uniqueName("reader") });
  const out: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`read ${out.length} of ${count} messages from ${topic}`)),
      timeoutMs,
    );
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ ...message, partition });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * Connects a kafkajs client and admin to the test broker for the enclosing describe block (or
 * file) and disconnects after it. Read the fields inside tests, not at collection time.
 */
export function useTestKafka(): { kafka: Kafka; admin: Admin } {
  const ctx = {} as { kafka: Kafka; admin: Admin };
  beforeAll(async () => {
    ctx.kafka = testKafka(testEnv().kafka.brokers);
    ctx.admin = ctx.kafka.admin();
    await ctx.admin.connect();
  });
  afterAll(async () => {
    await ctx.admin?.disconnect();
  });
  return ctx;
}

/**
 * Numbered records `{id, ts: t0 + id}` for ids [from, to), id % partitions picking the partition:
 * the input of the exactly-once tests, whose expected output follows from the ids alone.
 */
export async function produceNumbered(
  kafka: Kafka,
  topic: string,
  range: { from: number; to: number },
  o: { partitions: number; t0: number },
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let at = range.from; at < range.to; at += 5000) {
      const ids = Array.from({ length: Math.min(5000, range.to - at) }, (_, i) => at + i);
      await producer.send({
        topic,
        messages: ids.map((id) => ({ partition: id % o.partitions, value: JSON.stringify({ id, ts: o.t0 + id }) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The Kafka source of produceNumbered's records: `id` and event time `ts`, 100 ms out of order. */
export function numberedKafkaSource(brokers: string[], topic: string) {
  return {
    kafka: { bootstrapServers: brokers, topic, startingOffsets: "earliest" as const, format: "json" as const },
    schema: [
      { name: "id", type: "int64" as const, nullable: false },
      { name: "ts", type: "timestamp[ms]" as const, nullable: false },
    ],
    eventTime: { field: "ts", maxOutOfOrderness: "100ms" },
  };
}
