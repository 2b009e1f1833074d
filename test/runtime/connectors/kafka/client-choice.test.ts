import { describe, expect, it } from "vitest";
import { kafkaClientKind, kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import type { SourceSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";

const fields = [{ name: "n", type: "int64" as const }];

describe("kafka client choice", () => {
  it("a source's or sink's client field wins over SABOT_KAFKA_CLIENT, which is the default", () => {
    expect(kafkaClientKind({ SABOT_KAFKA_CLIENT: "kafkajs" }, "librdkafka")).toBe("librdkafka");
    expect(kafkaClientKind({ SABOT_KAFKA_CLIENT: "librdkafka" }, "kafkajs")).toBe("kafkajs");
    expect(kafkaClientKind({ SABOT_KAFKA_CLIENT: "librdkafka" }, undefined)).toBe("librdkafka");
    expect(kafkaClientKind({}, undefined)).toBe("kafkajs");
  });

  it("reaches the source and sink configs from the manifest field", () => {
    const source: SourceSpec = {
      kafka: { bootstrapServers: ["b:9092"], topic: "t", client: "librdkafka" },
      schema: fields,
    };
    expect(kafkaSourceConfig("j", "s", source).client).toBe("librdkafka");
    const input = { schema: arrowSchema(fields) };
    const sink = kafkaSinkConfig({ bootstrapServers: ["b:9092"], topic: "t", client: "librdkafka" }, input);
    expect(sink.client).toBe("librdkafka");
  });

  it("the manifest refuses another client name, saying which are allowed", () => {
    const spec = {
      sources: { in: { kafka: { bootstrapServers: ["b:9092"], topic: "t", client: "rdkafka" }, schema: fields } },
      pipeline: [{ from: "in", to: "out" }],
      sinks: { out: { console: {} } },
    };
    const issues = checkSpecShape(spec);
    expect(issues.map((i) => i.path)).toEqual(["spec.sources.in.kafka.client"]);
    expect(issues[0].message).toMatch(/kafkajs.*librdkafka/);
  });
});
