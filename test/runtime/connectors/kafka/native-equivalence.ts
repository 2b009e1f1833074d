import type { RecordBatch } from "apache-arrow";
import type { Admin, Kafka, KafkaMessage } from "kafkajs";
import { expect } from "vitest";
import type { SourceBatch } from "../../../../runtime/connectors/connector.js";
import { type KafkaClientKind, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { DLQ_HEADERS } from "../../../../runtime/connectors/kafka/dead-letters.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { NativeKafkaSource } from "../../../../runtime/connectors/kafka/native-source.js";
import type { FieldSpec, Format, SourceSpec } from "../../../../runtime/contract/spec/schema.js";
import { testEnv } from "../../../helpers/env.js";
import { uniqueName } from "../../../helpers/names.js";
import { connectorContext, createTopic, readTopic } from "./kafka-helpers.js";
import { rows } from "./native-json-cases.js";

/** The native source's broker tests (json and avro): the same topic read by native and by the librdkafka source. */

type Source = ReturnType<typeof kafkaSource>;

export function spec(
  topic: string,
  client: KafkaClientKind,
  extra: Partial<NonNullable<SourceSpec["kafka"]>>,
  fields: FieldSpec[],
): SourceSpec {
  return {
    kafka: {
      bootstrapServers: testEnv().kafka.brokers,
      topic,
      format: "json",
      startingOffsets: "earliest",
      client,
      ...extra,
    },
    schema: fields,
  };
}

/** Reads until the source's position reaches `ends` (every partition's end offset). */
export async function readAll(
  source: Source,
  ends: Record<string, string>,
  timeoutMs = 60_000,
): Promise<SourceBatch[]> {
  const got: SourceBatch[] = [];
  const deadline = Date.now() + timeoutMs;
  const done = () => Object.entries(ends).every(([p, end]) => BigInt(source.position()[p] ?? "0") >= BigInt(end));
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`position ${JSON.stringify(source.position())} short of ${JSON.stringify(ends)}`);
    const next = await Promise.race([source.next(), new Promise<"wait">((r) => setTimeout(() => r("wait"), 1000))]);
    if (next === null) throw new Error("source ended");
    if (next !== "wait") got.push(next);
  }
  return got;
}

/** Rows per partition, in the order the source gave them. */
function byPartition(batches: SourceBatch[]): Record<number, unknown[][]> {
  const out: Record<number, unknown[][]> = {};
  for (const b of batches) (out[b.split] ??= []).push(...rows(b.batch as RecordBatch));
  return out;
}

/** A dead letter as comparable text: origin, reason, detail, key, value and the original headers. */
function deadLetter(m: KafkaMessage): string {
  const h = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return JSON.stringify({
    partition: h[DLQ_HEADERS.partition],
    offset: Number(h[DLQ_HEADERS.offset]),
    reason: h[DLQ_HEADERS.reason],
    detail: h[DLQ_HEADERS.detail],
    timestamp: h[DLQ_HEADERS.timestamp],
    original: h.origin,
    key: m.key?.toString("hex") ?? null,
    value: m.value?.toString("hex") ?? null,
  });
}

export interface ClientRead {
  source: Source;
  rows: Record<number, unknown[][]>;
  position: Record<string, string>;
  /** Its dead letters, sorted, as deadLetter gives them. */
  dead: string[];
}

/**
 * `values` (null: a tombstone) produced round-robin into a new 3-partition topic, with a key on
 * every fifth and `headers(i)`, then read to the end by the native and the librdkafka source, each
 * with its own dead-letter topic and maxRecordBytes 1500.
 */
export async function readWithBoth(
  k: { kafka: Kafka; admin: Admin },
  name: string,
  format: Format,
  fields: FieldSpec[],
  values: (Uint8Array | null)[],
  headers: (i: number) => Record<string, string> | undefined,
  /** How many dead letters to wait for; by default one per message that gave no row (json, avro: a row per message). */
  deadLetters?: number,
): Promise<{
  native: ClientRead;
  reference: ClientRead;
  ends: Record<string, string>;
  count: (r: ClientRead) => number;
}> {
  const topic = await createTopic(k.admin, name, 3);
  const messages = values.map((v, i) => ({
    partition: i % 3,
    key: i % 5 === 0 ? `k${i}` : null,
    value: v === null ? null : Buffer.from(v),
    headers: headers(i),
  }));
  const producer = k.kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
  await producer.disconnect();
  const ends = {
    "0": String(Math.ceil(values.length / 3)),
    "1": String(Math.ceil((values.length - 1) / 3)),
    "2": String(Math.floor(values.length / 3)),
  };
  const count = (r: ClientRead) => Object.values(r.rows).reduce((s, x) => s + x.length, 0);
  const run = async (client: KafkaClientKind): Promise<ClientRead> => {
    const dlq = await createTopic(k.admin, `${name}-dlq-${client}`, 1);
    const extra = { format, deadLetterTopic: dlq, maxRecordBytes: 1500, groupId: uniqueName("g") };
    const source = kafkaSource(
      kafkaSourceConfig("it", "eq", spec(topic, client, extra, fields)),
      connectorContext("eq"),
    );
    await source.open();
    let read: Omit<ClientRead, "dead">;
    try {
      read = { source, rows: byPartition(await readAll(source, ends)), position: source.position() };
    } finally {
      await source.close();
    }
    const want = deadLetters ?? values.length - count({ ...read, dead: [] });
    const dead = (await readTopic(k.kafka, dlq, want)).map(deadLetter).sort();
    return { ...read, dead };
  };
  return { native: await run("native"), reference: await run("librdkafka"), ends, count };
}

/** `values` with two tombstones and `oversized` (a record over maxRecordBytes) among them. */
export function withTombstonesAndOversized(values: Uint8Array[], oversized: Uint8Array): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [...values];
  out.splice(100, 0, null);
  out.splice(2000, 0, null);
  out.splice(3000, 0, oversized);
  return out;
}

/**
 * What readWithBoth read: the native source was native and the reference not, both reached the
 * ends, more than `minRows` rows, the same rows per partition, the same dead letters, among them
 * the oversized record and the two tombstones. Returns the dead letters.
 */
export function expectSameReads(read: Awaited<ReturnType<typeof readWithBoth>>, minRows: number): string[] {
  const { native, reference, ends, count } = read;
  expect(native.source).toBeInstanceOf(NativeKafkaSource);
  expect(reference.source).not.toBeInstanceOf(NativeKafkaSource);
  expect(native.position).toEqual(ends);
  expect(reference.position).toEqual(ends);
  expect(count(reference)).toBeGreaterThan(minRows);
  expect(native.rows).toEqual(reference.rows);
  expect(native.dead).toEqual(reference.dead);
  expect(native.dead.filter((d) => d.includes('"reason":"oversized"'))).toHaveLength(1);
  expect(native.dead.filter((d) => d.includes("a tombstone"))).toHaveLength(2);
  return native.dead;
}
