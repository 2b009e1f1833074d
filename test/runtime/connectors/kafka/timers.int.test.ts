import { describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { KafkaSink } from "../../../../runtime/connectors/kafka/sink.js";
import { KafkaSource } from "../../../../runtime/connectors/kafka/source.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { RECORD_FIELDS, randomBatch, seededRng } from "../../../helpers/random.js";
import { connectorContext, createTopic, readRows } from "./kafka-helpers.js";

const FIELDS: FieldSpec[] = RECORD_FIELDS;
const schema = arrowSchema(FIELDS);
// Node warns once per process about a negative timer: listen before any client of this file
// (useTestKafka's admin included) connects.
const warnings: Error[] = [];
process.on("warning", (w) => warnings.push(w));
const ctx = useTestKafka();

describe("kafka timers", () => {
  it("a short sink and source run emits no TimeoutNegativeWarning (kafkajs's request queue armed -<epoch ms>)", async () => {
    const brokers = testEnv().kafka.brokers;
    const topic = await createTopic(ctx.admin, "timers", 2);
    const input = { schema };
    const sink = new KafkaSink(
      kafkaSinkConfig({ bootstrapServers: brokers, topic, format: "json" }, input),
      input,
      connectorContext("out"),
    );
    await sink.open();
    await sink.write(randomBatch(seededRng(5), FIELDS, 300));
    await sink.flush();
    await sink.close();
    const source = new KafkaSource(
      kafkaSourceConfig("it", "in", {
        kafka: { bootstrapServers: brokers, topic, startingOffsets: "earliest" },
        schema: FIELDS,
      }),
      connectorContext("in"),
    );
    await source.open();
    expect((await readRows(source, 300)).reduce((n, g) => n + g!.batch.numRows, 0)).toBe(300);
    // Idle fetches (the broker holds each up to fetchMaxWaitMs) and the lag poll run meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    await source.close();
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.name === "TimeoutNegativeWarning").map((w) => w.message)).toEqual([]);
  });
});
