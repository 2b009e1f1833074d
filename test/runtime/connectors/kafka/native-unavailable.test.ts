import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { NativeKafkaUnavailableError } from "../../../../runtime/connectors/kafka/native-addon.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { connectorContext } from "./kafka-helpers.js";

// This file's own module instance: the addon is looked for at the path below, where nothing is.
let before: string | undefined;
beforeAll(() => {
  before = process.env.SABOT_KAFKA_NATIVE_PATH;
  process.env.SABOT_KAFKA_NATIVE_PATH = "/nonexistent/sabot_kafka.node";
});
afterAll(() => {
  if (before === undefined) delete process.env.SABOT_KAFKA_NATIVE_PATH;
  else process.env.SABOT_KAFKA_NATIVE_PATH = before;
});

const fields = [{ name: "id", type: "int64" as const }];

describe("kafka client native where sabot_kafka.node did not build", () => {
  it("a job's source and sink fail when they are made, saying what to install or choose instead", () => {
    const source = { kafka: { bootstrapServers: ["b:9092"], topic: "t", client: "native" as const }, schema: fields };
    const make = () => kafkaSource(kafkaSourceConfig("j", "s", source), connectorContext("s"));
    expect(make).toThrow(NativeKafkaUnavailableError);
    expect(make).toThrow(
      /kafka client "native" is not available on this machine: \/nonexistent\/sabot_kafka.node does not exist\. .*npm run build:native.*libsimdjson-dev.*librdkafka or kafkajs/,
    );
    const input = { schema: arrowSchema(fields) };
    const sink = kafkaSinkConfig({ bootstrapServers: ["b:9092"], topic: "t", client: "native" }, input);
    expect(() => kafkaSink(sink, input, connectorContext("o"))).toThrow(NativeKafkaUnavailableError);
  });
});
