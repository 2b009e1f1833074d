import { Kafka, logLevel, Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";

const partitions = 4;
const total = 10_000;
/** Few enough distinct keys that every partition gets many, each in a known order. */
const keys = 100;

describe("Kafka test environment", () => {
  it("round-trips 10,000 messages through a 4-partition topic, in order within each partition", async () => {
    const kafka = new Kafka({ clientId: "smoke", brokers: testEnv().kafka.brokers, logLevel: logLevel.WARN });
    const topic = uniqueName("smoke");
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: uniqueName("smoke-group") });
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });

      // The value is the global send order; keys spread messages over partitions by hash.
      await producer.connect();
      const batch = 1_000;
      for (let start = 0; start < total; start += batch) {
        const messages = Array.from({ length: batch }, (_, i) => ({
          key: `key-${(start + i) % keys}`,
          value: String(start + i),
        }));
        await producer.send({ topic, messages });
      }

      const seen = new Map<number, { key: string; seq: number }[]>();
      let count = 0;
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed only ${count} of ${total} messages`)), 60_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            const list = seen.get(partition) ?? [];
            list.push({ key: String(message.key), seq: Number(String(message.value)) });
            seen.set(partition, list);
            if (++count === total) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });

      expect(count).toBe(total);
      expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3]);
      const all = [...seen.values()].flat();
      expect(new Set(all.map((m) => m.seq)).size).toBe(total);
      for (const [partition, list] of seen) {
        const seqs = list.map((m) => m.seq);
        expect(seqs, `partition ${partition} out of order`).toEqual([...seqs].sort((a, b) => a - b));
      }
      // Same key, same partition: what per-key ordering in the runtime relies on.
      const partitionOfKey = new Map<string, Set<number>>();
      for (const [partition, list] of seen) {
        for (const m of list) partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(partition));
      }
      expect([...partitionOfKey.values()].every((p) => p.size === 1)).toBe(true);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
