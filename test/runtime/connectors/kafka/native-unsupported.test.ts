import { describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { nativeSinkUnsupported } from "../../../../runtime/connectors/kafka/native-sink.js";
import { nativeUnsupported } from "../../../../runtime/connectors/kafka/native-source.js";
import type { Format } from "../../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { ALL_TYPES } from "../../../helpers/random.js";

/** What runs on the native client: the checks the default and an explicit `native` go by (client-choice.ts). */

const source = (format: Format, table = false) =>
  kafkaSourceConfig("it", "in", {
    kafka: { bootstrapServers: ["b:9092"], topic: "t", format, ...(table ? { table: { key: ["id"] } } : {}) },
    schema: ALL_TYPES,
  });
const input = { schema: arrowSchema(ALL_TYPES) };
const sink = (format: Format) => kafkaSinkConfig({ bootstrapServers: ["b:9092"], topic: "t", format }, input);

describe("what the native client runs", () => {
  it("an arrow source of any column types (a dictionary column too) runs on native; json and avro with a dictionary column do not", () => {
    expect(nativeUnsupported(source("arrow"))).toBeNull();
    for (const format of ["json", "avro"] as const) expect(nativeUnsupported(source(format))).toContain('column "d"');
  });

  it("an arrow table stays on librdkafka (tombstones are deletes)", () => {
    expect(nativeUnsupported(source("arrow", true))).toContain("a table");
  });

  it("an at-least-once arrow sink of any column types runs on native; an exactly-once one does not", () => {
    expect(nativeSinkUnsupported(sink("arrow"), input, false)).toBeNull();
    expect(nativeSinkUnsupported(sink("arrow"), input, true)).toContain("exactly-once");
  });
});
