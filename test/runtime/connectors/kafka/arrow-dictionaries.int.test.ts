import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt } from "../../../../runtime/connectors/kafka/native-addon.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { batchOver, chunks, entries, keysOver, stream } from "../../formats/arrow-dictionaries.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, readRows, useKafkaClient } from "./kafka-helpers.js";

const ctx = useTestKafka();

describe.each([...KAFKA_CLIENTS, ...(nativeKafkaBuilt() ? (["native"] as const) : [])])("on %s", (client) => {
  useKafkaClient(client);

  describe("kafka source (arrow): delta dictionaries", () => {
    it("reads messages whose dictionaries grow with deltas, within and across messages", async () => {
      const topic = await createTopic(ctx.admin, "arrow-deltas", 1);
      const c = chunks(4, 50);
      const grown = c.map((_, k) => c.slice(0, k + 1).reduce((a, b) => a.concat(b)));
      // Message m holds two batches: one over the dictionary of message m - 1, one over a grown one.
      const messages = grown.map((d, m) =>
        stream([
          batchOver(grown[Math.max(0, m - 1)], m * 1000, keysOver(grown[Math.max(0, m - 1)].length)),
          batchOver(d, m * 1000 + 500, keysOver(d.length)),
        ]),
      );
      const producer = ctx.kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: messages.map((value) => ({ value: Buffer.from(value) })) });
      await producer.disconnect();

      const spec = {
        kafka: {
          bootstrapServers: testEnv().kafka.brokers,
          topic,
          format: "arrow" as const,
          startingOffsets: "earliest" as const,
        },
        schema: [
          { name: "id", type: "int64" as const, nullable: false },
          { name: "city", type: "utf8" as const, dictionary: true },
        ],
      };
      const source = kafkaSource(kafkaSourceConfig("it", "in", spec), connectorContext("in"));
      await source.open();
      const want = grown.flatMap((_, m) =>
        [Math.max(0, m - 1), m].map((k, half) => {
          const all = entries(c.slice(0, k + 1));
          return keysOver(all.length).map((key, i) => ({
            id: m * 1000 + half * 500 + i,
            city: key === null ? null : all[key],
          }));
        }),
      );
      try {
        const got = await readRows(source, want.flat().length);
        expect(got.map((g) => batchRows(g!.batch))).toEqual(want);
      } finally {
        await source.close();
      }
    });
  });
});
