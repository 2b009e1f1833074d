import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { runJavaHelper } from "../../../helpers/java-helper.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { batchFromRows } from "../../../helpers/random.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, readRows, useKafkaClient } from "./kafka-helpers.js";

/**
 * gzip, snappy, lz4 and zstd both ways, with Kafka's own Java client on the other side: the
 * source reads batches the Java producer compressed, and the Java consumer reads batches the sink
 * compressed. Which codec a batch really carries is read from the broker's log segment (the
 * attributes of each record batch), so a sink that silently wrote uncompressed batches fails.
 */

const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
/** Kafka's codec ids, the low 3 bits of a record batch's attributes. */
const CODEC_ID = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
const FIELDS: FieldSpec[] = [{ name: "id", type: "int64", nullable: false }];
const input = { schema: arrowSchema(FIELDS) };
const COUNT = 2000;
const ids = Array.from({ length: COUNT }, (_, i) => i);
const k = useTestKafka();

/** The codec id of every record batch in partition 0 of `topic`, from the broker's first log segment. */
function batchCodecs(topic: string): number[] {
  const segment = join(testEnv().runDir, "kafka", "data", `${topic}-0`, "00000000000000000000.log");
  const log = readFileSync(segment);
  const codecs: number[] = [];
  // A record batch: baseOffset int64, batchLength int32, leaderEpoch int32, magic int8, crc int32, attributes int16, ...
  for (let at = 0; at + 23 <= log.length; at += 12 + log.readInt32BE(at + 8)) codecs.push(log.readInt16BE(at + 21) & 7);
  return codecs;
}

async function readIds(topic: string): Promise<number[]> {
  const spec = {
    kafka: { bootstrapServers: testEnv().kafka.brokers, topic, startingOffsets: "earliest" as const },
    schema: FIELDS,
  };
  const source = kafkaSource(kafkaSourceConfig("it", "in", spec), connectorContext("in"));
  await source.open();
  try {
    const batches = await readRows(source, COUNT);
    return batches.flatMap((b) => batchRows(b!.batch).map((r) => Number(r.id))).sort((a, b) => a - b);
  } finally {
    await source.close();
  }
}

describe.each(KAFKA_CLIENTS)("on %s", (client) => {
  useKafkaClient(client);

  describe("kafka compression", () => {
    it("the source reads batches Kafka's Java producer compressed with gzip, snappy, lz4 and zstd", async () => {
      const topics = await Promise.all(CODECS.map((c) => createTopic(k.admin, `java-${c}`, 1)));
      const pairs = CODECS.map((c, i) => `${topics[i]}=${c}`);
      runJavaHelper("KafkaCodecs", ["produce", testEnv().kafka.brokers[0], String(COUNT), ...pairs]);
      for (const [i, codec] of CODECS.entries()) {
        expect(new Set(batchCodecs(topics[i])), codec).toEqual(new Set([CODEC_ID[codec]]));
        expect(await readIds(topics[i]), codec).toEqual(ids);
      }
    });

    it("the sink writes gzip, snappy, lz4 and zstd batches that Kafka's Java consumer and the source read back", async () => {
      const topics: string[] = [];
      for (const compression of CODECS) {
        const topic = await createTopic(k.admin, `sabot-${compression}`, 1);
        topics.push(topic);
        const sink = kafkaSink(
          kafkaSinkConfig({ bootstrapServers: testEnv().kafka.brokers, topic, compression }, input),
          input,
          connectorContext("out"),
        );
        await sink.open();
        // Two batches of 1000 rows: each send is one compressed record batch of many records.
        for (let at = 0; at < COUNT; at += 1000)
          await sink.write(
            batchFromRows(
              FIELDS,
              ids.slice(at, at + 1000).map((id) => ({ id })),
            ),
          );
        await sink.flush();
        await sink.close();
        expect(new Set(batchCodecs(topic)), compression).toEqual(new Set([CODEC_ID[compression]]));
      }
      const lines = runJavaHelper("KafkaCodecs", ["consume", testEnv().kafka.brokers[0], String(COUNT), ...topics]);
      const byTopic = new Map<string, number[]>(topics.map((t) => [t, []]));
      for (const line of lines.split("\n").filter((l) => l.length > 0)) {
        const [topic, value] = line.split("\t");
        byTopic.get(topic)!.push((JSON.parse(value) as { id: number }).id);
      }
      for (const [i, codec] of CODECS.entries()) {
        expect(
          byTopic.get(topics[i])!.sort((a, b) => a - b),
          `Java consumer, ${codec}`,
        ).toEqual(ids);
        expect(await readIds(topics[i]), `source, ${codec}`).toEqual(ids);
      }
    });
  });
});
