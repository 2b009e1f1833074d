import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ConnectorContext } from "../../../runtime/connectors/connector.js";
import { ConsoleSink } from "../../../runtime/connectors/console/sink.js";
import { FilesSink } from "../../../runtime/connectors/files/sink.js";
import { GeneratorSource } from "../../../runtime/connectors/generator/source.js";
import { KafkaSink } from "../../../runtime/connectors/kafka/sink.js";
import { KafkaSource } from "../../../runtime/connectors/kafka/source.js";
import { checkSink, createSink, createSource, sourceStreamInfo } from "../../../runtime/connectors/registry.js";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { testConnectorContext } from "../../helpers/connector-context.js";

const ctx: ConnectorContext = testConnectorContext("j", "s", pino({ level: "silent" }));
const kafka = { bootstrapServers: ["127.0.0.1:1"], topic: "t" };
const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64" },
  { name: "at", type: "timestamp[ms]" },
  { name: "label", type: "utf8" },
];

describe("sourceStreamInfo", () => {
  it("gives a generator's built-in schema, and event time once the source declares it", () => {
    const info = sourceStreamInfo("bids", { generator: { kind: "nexmark-bid" } });
    expect(info.schema.fields.map((f) => f.name)).toEqual([
      "auction",
      "bidder",
      "price",
      "channel",
      "url",
      "dateTime",
      "extra",
    ]);
    expect(info.timeField).toBeUndefined();
    expect(
      sourceStreamInfo("bids", { generator: { kind: "nexmark-bid" }, eventTime: { field: "dateTime" } }).timeField,
    ).toBe("dateTime");
    expect(
      sourceStreamInfo("tx", { generator: { kind: "card-transactions" }, eventTime: { field: "ts" } }).timeField,
    ).toBe("ts");
  });

  it("gives a kafka source's declared schema and event time", () => {
    const info = sourceStreamInfo("in", { kafka, schema: FIELDS, eventTime: { field: "at" } });
    expect(info.schema.fields.map((f) => f.name)).toEqual(["id", "at", "label"]);
    expect(info.timeField).toBe("at");
  });

  it("explains what is wrong, naming the setting", () => {
    expect(() => sourceStreamInfo("in", { kafka })).toThrow(/schema: a kafka source needs `schema`/);
    expect(() => sourceStreamInfo("in", { kafka: { ...kafka, format: "arrow" } })).toThrow(/arrow too/);
    expect(() => sourceStreamInfo("in", { kafka, schema: FIELDS, eventTime: { field: "label" } })).toThrow(
      /eventTime.field: "label" must be timestamp\[ms\] or int64/,
    );
    expect(() => sourceStreamInfo("in", { kafka, schema: FIELDS, eventTime: { field: "nope" } })).toThrow(
      /not a column/,
    );
    expect(() => sourceStreamInfo("in", { kafka: { ...kafka, table: { key: ["x"] } }, schema: FIELDS })).toThrow(
      /kafka.table.key: "x"/,
    );
    expect(() =>
      sourceStreamInfo("in", { kafka: { ...kafka, format: "avro" }, schema: [{ name: "a b", type: "utf8" }] }),
    ).toThrow(/not a valid Avro field name/);
    expect(() => sourceStreamInfo("in", {})).toThrow(/exactly one of kafka, generator/);
    expect(() => sourceStreamInfo("in", { kafka, generator: { kind: "nexmark-bid" } })).toThrow(/exactly one/);
    expect(() => sourceStreamInfo("g", { generator: { kind: "nexmark-bid" }, schema: FIELDS })).toThrow(
      /built-in schema/,
    );
    expect(() => sourceStreamInfo("g", { generator: { kind: "nexmark-bid" }, eventTime: { field: "price" } })).toThrow(
      /eventTime.field: "price" is not a timestamp column/,
    );
    const bids = (columns: string[], eventTime = true) =>
      sourceStreamInfo("g", {
        generator: { kind: "nexmark-bid", columns },
        ...(eventTime ? { eventTime: { field: "dateTime" } } : {}),
      });
    expect(() => bids(["auction", "nope", "dateTime"])).toThrow(
      /generator.columns: nope is not a column of nexmark-bid \(columns: auction, bidder/,
    );
    expect(() => bids(["price", "price", "dateTime"])).toThrow(/generator.columns: "price" is listed twice/);
    expect(() => bids(["price"])).toThrow(/generator.columns: add the event time column "dateTime"/);
    expect(bids(["price"], false).schema.fields.map((f) => f.name)).toEqual(["price"]);
    expect(bids(["dateTime", "price"]).schema.fields.map((f) => f.name)).toEqual(["price", "dateTime"]);
  });
});

describe("createSource and createSink", () => {
  it("build the connector the spec names, without connecting", () => {
    expect(createSource({ generator: { kind: "nexmark-person" } }, ctx)).toBeInstanceOf(GeneratorSource);
    // The client named: the default depends on which clients built here (client-choice.test.ts).
    const kafkajs = { ...kafka, client: "kafkajs" as const };
    expect(createSource({ kafka: kafkajs, schema: FIELDS }, ctx)).toBeInstanceOf(KafkaSource);
    const input = { schema: arrowSchema(FIELDS) };
    expect(createSink({ console: {} }, input, ctx)).toBeInstanceOf(ConsoleSink);
    expect(createSink({ files: { path: "/tmp/x" } }, input, ctx)).toBeInstanceOf(FilesSink);
    expect(createSink({ kafka: { ...kafkajs, key: ["id"] } }, input, ctx)).toBeInstanceOf(KafkaSink);
  });

  it("check sink settings against the input", () => {
    const input = { schema: arrowSchema(FIELDS) };
    expect(() => checkSink({ kafka: { ...kafka, key: ["nope"] } }, input)).toThrow(/kafka.key: "nope" is not a column/);
    expect(() => checkSink({ kafka: { ...kafka, format: "arrow", key: ["id"] } }, input)).toThrow(
      /use format json or avro/,
    );
    expect(() => checkSink({ files: { path: "s3://" } }, input)).toThrow(/files.path/);
    expect(() => checkSink({}, input)).toThrow(/exactly one of kafka, files, console/);
  });

  it("refuse a table source with startingOffsets other than earliest", () => {
    expect(() =>
      createSource({ kafka: { ...kafka, table: { key: ["id"] }, startingOffsets: "latest" }, schema: FIELDS }, ctx),
    ).toThrow(/a table is read from the start/);
  });
});
