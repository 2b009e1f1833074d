import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { DLQ_HEADERS } from "../../../../runtime/connectors/kafka/dead-letters.js";
import { KafkaSource } from "../../../../runtime/connectors/kafka/source.js";
import type { FieldSpec, Format } from "../../../../runtime/contract/spec/schema.js";
import { createEncoder } from "../../../../runtime/formats/index.js";
import { prescanIpcStream } from "../../../../runtime/formats/ipc-prescan.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { randomBatch, seededRng } from "../../../helpers/random.js";
import { connectorContext, createTopic, readRows, readTopic } from "./kafka-helpers.js";

/**
 * Hostile records on a real broker: each goes to the dead-letter topic with its reason while the
 * good ones flow, and none takes the worker down.
 */
const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "name", type: "utf8" },
];
const k = useTestKafka();

/** A good arrow record with one flatbuffer vector count set to 2^31 - 1: arrow-js alone ran out of heap on such. */
function blownUpCount(good: Buffer): Buffer {
  for (let at = 8; at < good.length - 4; at++) {
    const b = Buffer.from(good);
    b.writeUInt32LE(0x7fffffff, at);
    try {
      prescanIpcStream(b);
    } catch (err) {
      if (/declares \d+ entries/.test((err as Error).message)) return b;
    }
  }
  throw new Error("no vector count found in the record's metadata");
}

/** Produces `values`, reads `goodRows` rows through the source, and the `deadCount` dead letters. */
async function deadLettered(
  format: Format,
  values: Buffer[],
  goodRows: number,
  deadCount: number,
  options: { maxRecordBytes?: number } = {},
) {
  const topic = await createTopic(k.admin, `hostile-${format}`, 1);
  const dlq = await createTopic(k.admin, `hostile-${format}-dlq`, 1);
  const producer = k.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const spec = {
    kafka: {
      bootstrapServers: testEnv().kafka.brokers,
      topic,
      format,
      deadLetterTopic: dlq,
      startingOffsets: "earliest" as const,
      ...options,
    },
    schema: FIELDS,
  };
  const src = new KafkaSource(kafkaSourceConfig("it", "hostile", spec), connectorContext("hostile"));
  await src.open();
  const rows = (await readRows(src, goodRows)).flatMap((g) => batchRows(g!.batch));
  await src.close();
  const dead = await readTopic(k.kafka, dlq, deadCount);
  return {
    rows,
    dead: dead.map((m) => [m.headers?.[DLQ_HEADERS.offset]?.toString(), m.headers?.[DLQ_HEADERS.reason]?.toString()]),
    detail: dead.map((m) => m.headers?.[DLQ_HEADERS.detail]?.toString() ?? ""),
  };
}

describe("hostile Kafka records", () => {
  it("arrow: a blown-up count, JSON and Avro bytes (wrong magic) and an empty value are dead letters; the good record flows", async () => {
    const [good] = createEncoder("arrow", arrowSchema(FIELDS)).encode(randomBatch(seededRng(5), FIELDS, 4));
    const { rows, dead, detail } = await deadLettered(
      "arrow",
      [blownUpCount(good!), Buffer.from('{"id":1}'), Buffer.from([0xc3, 0x01, 0x02, 0x03]), Buffer.alloc(0), good!],
      4,
      4,
    );
    expect(rows).toHaveLength(4);
    expect(dead).toEqual([
      ["0", "malformed"],
      ["1", "malformed"],
      ["2", "malformed"],
      ["3", "malformed"],
    ]);
    expect(detail[0]).toMatch(/declares \d+ entries that its metadata cannot hold/);
  });

  it("json: a record that is not valid UTF-8 is a dead letter, not a row with U+FFFD in it", async () => {
    const bad = Buffer.concat([Buffer.from('{"id":2,"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const { rows, dead, detail } = await deadLettered("json", [Buffer.from('{"id":1,"name":"ok"}'), bad], 1, 1);
    expect(rows).toEqual([{ id: 1, name: "ok" }]);
    expect(dead).toEqual([["1", "malformed"]]);
    expect(detail).toEqual(["not valid UTF-8"]);
  });

  it("json: a record over maxRecordBytes is an oversized dead letter before any decoding; the records around it flow", async () => {
    const huge = Buffer.from(`{"id":2,"name":"${"x".repeat(200_000)}"}`);
    const small = (id: number) => Buffer.from(`{"id":${id},"name":"ok"}`);
    const { rows, dead, detail } = await deadLettered("json", [small(1), huge, small(3)], 2, 1, {
      maxRecordBytes: 64,
    });
    expect(rows).toEqual([
      { id: 1, name: "ok" },
      { id: 3, name: "ok" },
    ]);
    expect(dead).toEqual([["1", "oversized"]]);
    expect(detail).toEqual([`record of ${huge.length} bytes (key + value) is over the source's maxRecordBytes of 64`]);
  });
});
