import { describe, expect, it } from "vitest";
import { chooseKafkaClient } from "../../../../runtime/connectors/kafka/client-choice.js";
import {
  explicitKafkaClient,
  kafkaClientKind,
  kafkaSinkConfig,
  kafkaSourceConfig,
} from "../../../../runtime/connectors/kafka/config.js";
import type { SourceSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";

const fields = [{ name: "n", type: "int64" as const }];

describe("kafka client choice", () => {
  it("a source's or sink's client field wins over SABOT_KAFKA_CLIENT, which is the default", () => {
    expect(explicitKafkaClient({ SABOT_KAFKA_CLIENT: "kafkajs" }, "librdkafka")).toBe("librdkafka");
    expect(explicitKafkaClient({ SABOT_KAFKA_CLIENT: "librdkafka" }, "kafkajs")).toBe("kafkajs");
    expect(explicitKafkaClient({ SABOT_KAFKA_CLIENT: "librdkafka" }, undefined)).toBe("librdkafka");
    // Neither: no explicit choice, so the fastest client that is there (chooseKafkaClient, below).
    expect(explicitKafkaClient({}, undefined)).toBeNull();
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

  it("a source or sink without a client field has no explicit choice in its config", () => {
    const source: SourceSpec = { kafka: { bootstrapServers: ["b:9092"], topic: "t" }, schema: fields };
    const before = process.env.SABOT_KAFKA_CLIENT;
    delete process.env.SABOT_KAFKA_CLIENT;
    try {
      expect(kafkaSourceConfig("j", "s", source).client).toBeNull();
      expect(
        kafkaSinkConfig({ bootstrapServers: ["b:9092"], topic: "t" }, { schema: arrowSchema(fields) }).client,
      ).toBeNull();
    } finally {
      if (before !== undefined) process.env.SABOT_KAFKA_CLIENT = before;
    }
  });
});

const allBuilt = { native: null, librdkafka: null };
const noNative = { native: "sabot_kafka.node does not exist; npm run build:native", librdkafka: null };
const neither = { native: "sabot_kafka.node does not exist", librdkafka: "did not build; install libssl-dev" };

describe("chooseKafkaClient (the default client)", () => {
  it("json sources and at-least-once json sinks run on native when sabot_kafka.node loads, and say so", () => {
    const c = chooseKafkaClient({
      role: "source",
      format: "json",
      explicit: null,
      nativeUnsupported: null,
      missing: allBuilt,
    });
    expect(c).toEqual({
      client: "native",
      reason: "default for json; SABOT_KAFKA_CLIENT or kafka.client to choose",
      warning: null,
    });
  });

  it("other formats, tables and exactly-once sinks run on librdkafka, without a warning", () => {
    for (const why of [
      "format avro (the native decoder reads json)",
      "exactly-once (transactions stay on librdkafka)",
    ]) {
      const c = chooseKafkaClient({
        role: "source",
        format: "json",
        explicit: null,
        nativeUnsupported: why,
        missing: allBuilt,
      });
      expect(c.client).toBe("librdkafka");
      expect(c.reason).toContain(`default for ${why}`);
      expect(c.warning).toBeNull();
    }
  });

  it("json falls back to librdkafka when sabot_kafka.node does not load, warning with what to do", () => {
    const c = chooseKafkaClient({
      role: "source",
      format: "json",
      explicit: null,
      nativeUnsupported: null,
      missing: noNative,
    });
    expect(c.client).toBe("librdkafka");
    expect(c.warning).toContain("native");
    expect(c.warning).toContain("npm run build:native");
  });

  it("falls back to kafkajs when neither librdkafka client loads, warning with both reasons", () => {
    const json = chooseKafkaClient({
      role: "source",
      format: "json",
      explicit: null,
      nativeUnsupported: null,
      missing: neither,
    });
    expect(json.client).toBe("kafkajs");
    expect(json.warning).toContain("sabot_kafka.node does not exist");
    expect(json.warning).toContain("install libssl-dev");
    const eos = chooseKafkaClient({
      role: "sink",
      format: "json",
      explicit: null,
      nativeUnsupported: "exactly-once",
      missing: neither,
    });
    expect(eos.client).toBe("kafkajs");
    expect(eos.warning).toContain("install libssl-dev");
    expect(eos.warning).not.toContain("sabot_kafka.node");
  });

  it("an explicit client wins over the default, whatever is built (one that did not build fails at start)", () => {
    for (const explicit of ["kafkajs", "librdkafka", "native"] as const) {
      const c = chooseKafkaClient({
        role: "source",
        format: "json",
        explicit,
        nativeUnsupported: null,
        missing: neither,
      });
      expect(c.client).toBe(explicit);
      expect(c.warning).toBeNull();
      expect(c.reason).toContain("kafka.client or SABOT_KAFKA_CLIENT");
    }
  });

  it("an explicit native on what native does not handle runs on librdkafka and says why", () => {
    const c = chooseKafkaClient({
      role: "source",
      format: "json",
      explicit: "native",
      nativeUnsupported: "format avro",
      missing: allBuilt,
    });
    expect(c.client).toBe("librdkafka");
    expect(c.reason).toContain("format avro");
    expect(c.reason).toContain("this source runs on librdkafka");
  });
});
