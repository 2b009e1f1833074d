import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt } from "../../../../runtime/connectors/kafka/native-addon.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { createTopic, useTestKafka } from "../../../helpers/kafka.js";
import { uniqueName } from "../../../helpers/names.js";
import { seededRng } from "../../../helpers/random.js";
import { readCommittedValues } from "../../../helpers/read-committed.js";
import { connectorContext, KAFKA_CLIENTS, readRows, useKafkaClient } from "./kafka-helpers.js";

// The native client too where build:native made it (native-source.int.test.ts says when it did not).
describe.each([...KAFKA_CLIENTS, ...(nativeKafkaBuilt() ? (["native"] as const) : [])])(
  "kafka source with transactional input (%s)",
  (client) => {
    const k = useTestKafka();
    useKafkaClient(client);

    it("reads exactly the committed records when several producers' transactions interleave and some abort", async () => {
      const topic = await createTopic(k.admin, "txn-in", 1);
      const rng = seededRng(5);
      const producers = await Promise.all(
        [0, 1, 2].map(async () => {
          const p = k.kafka.producer({
            transactionalId: uniqueName("txn-writer"),
            idempotent: true,
            maxInFlightRequests: 1,
          });
          await p.connect();
          return p;
        }),
      );
      // Rounds in which all three producers hold a transaction open at once, writing in turns, so
      // the log interleaves their batches and one fetch spans several aborted transactions.
      const committed: number[] = [];
      let id = 0;
      for (let round = 0; round < 40; round++) {
        const txns = await Promise.all(producers.map((p) => p.transaction()));
        const ids: number[][] = txns.map(() => []);
        for (let turn = 0; turn < 3; turn++)
          for (const [i, t] of txns.entries()) {
            const batch = [id++, id++];
            ids[i].push(...batch);
            await t.send({ topic, messages: batch.map((n) => ({ value: JSON.stringify({ id: n }) })) });
          }
        for (const [i, t] of txns.entries()) {
          if (rng.next() < 0.4) await t.abort();
          else {
            await t.commit();
            committed.push(...ids[i]);
          }
        }
      }
      for (const p of producers) await p.disconnect();

      const spec = {
        kafka: {
          bootstrapServers: testEnv().kafka.brokers,
          topic,
          format: "json" as const,
          startingOffsets: "earliest" as const,
        },
        schema: [{ name: "id", type: "int64" as const, nullable: false }],
      };
      // Small fetches: many fetch boundaries fall inside open aborted transactions.
      const config = { ...kafkaSourceConfig("it", "in", spec), partitionMaxBytes: 2048 };
      const source = kafkaSource(config, connectorContext("in"));
      await source.open();
      try {
        const rows = (await readRows(source, committed.length)).flatMap((g) => batchRows(g!.batch));
        const seen = rows.map((r) => Number(r.id));
        expect(seen.length).toBe(committed.length);
        expect([...seen].sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
        // Kafka's own Java consumer agrees.
        const java = readCommittedValues(testEnv().kafka.brokers, topic).map(
          (v) => (JSON.parse(v) as { id: number }).id,
        );
        expect(java.sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
        // And past the last committed record there is nothing more to read.
        const more = await Promise.race([
          source.next(),
          new Promise<"quiet">((r) => setTimeout(() => r("quiet"), 1500)),
        ]);
        expect(more === "quiet" || more === null || more.batch.numRows === 0).toBe(true);
      } finally {
        await source.close();
      }
    });
  },
);
