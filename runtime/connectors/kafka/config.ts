import { DataType, type Schema } from "apache-arrow";
import { isDuration, parseDuration } from "../../contract/spec/duration.js";
import type { Format, KafkaSinkSpec, SourceSpec } from "../../contract/spec/schema.js";
import { avroSchema } from "../../formats/avro.js";
import { arrowSchema } from "../../types/arrow-types.js";
import type { StreamInfo } from "../../types/stream-info.js";
import { ConnectorConfigError } from "../errors.js";
import type { Compression } from "./codecs.js";
import { connectionConfig, type KafkaConnectionConfig } from "./security.js";

/**
 * Which client moves the data: kafkajs, librdkafka (@confluentinc/kafka-javascript), or native
 * (sabot_kafka.node's librdkafka consumer and producer, json). A source's or sink's `client` field
 * names it; without one, the worker's SABOT_KAFKA_CLIENT; without that, the fastest client that is
 * there for that source or sink, picked when it is made (client-choice.ts).
 */
export type KafkaClientKind = "kafkajs" | "librdkafka" | "native";
const CLIENT_KINDS: readonly string[] = ["kafkajs", "librdkafka", "native"];

/** The client field, else SABOT_KAFKA_CLIENT (checked); null when neither chooses one. */
export function explicitKafkaClient(
  env: NodeJS.ProcessEnv = process.env,
  field: KafkaClientKind | undefined = undefined,
): KafkaClientKind | null {
  if (field) return field;
  const v = env.SABOT_KAFKA_CLIENT;
  if (v === undefined || v === "") return null;
  if (!CLIENT_KINDS.includes(v))
    throw new ConnectorConfigError(`SABOT_KAFKA_CLIENT must be kafkajs, librdkafka or native, got "${v}"`);
  return v as KafkaClientKind;
}

/** The explicit choice, or kafkajs: the client of a worker where neither librdkafka client built. */
export function kafkaClientKind(
  env: NodeJS.ProcessEnv = process.env,
  field: KafkaClientKind | undefined = undefined,
): KafkaClientKind {
  return explicitKafkaClient(env, field) ?? "kafkajs";
}

export interface KafkaSourceConfig {
  /** The explicit choice; null: the default, picked when the source is made (client-choice.ts). */
  client: KafkaClientKind | null;
  /** Brokers and security (secret references only; values are read when a client is made). */
  connection: KafkaConnectionConfig;
  topic: string;
  groupId: string;
  startingOffsets: "earliest" | "latest" | "committed";
  format: Format;
  deadLetterTopic: string | null;
  /** Records whose key + value exceed this are dead letters (reason oversized), never decoded. */
  maxRecordBytes: number;
  /** Key columns when the topic is read as a table (lookup join). */
  tableKey: string[] | null;
  schema: Schema;
  timeField: string | undefined;
  /** A partition without messages for this long stops holding back the watermark; null = never. */
  idleTimeoutMs: number | null;
  /** Decoded batches held ahead of the pipeline; no fetch is made while this many wait. */
  bufferBatches: number;
  /** Bytes one fetch request may return, over all partitions and per partition. */
  fetchMaxBytes: number;
  partitionMaxBytes: number;
  /** How long the broker may hold a fetch when there is nothing new (latency at low volume). */
  fetchMaxWaitMs: number;
  /** How often high watermarks are read for the consumer-lag metric. */
  lagIntervalMs: number;
}

export const KAFKA_SOURCE_DEFAULTS = {
  startingOffsets: "committed",
  format: "json",
  bufferBatches: 8,
  fetchMaxBytes: 8 * 1024 * 1024,
  partitionMaxBytes: 1024 * 1024,
  // The broker's default message.max.bytes (1 MiB + 12 bytes of batch overhead), rounded down.
  maxRecordBytes: 1024 * 1024,
  fetchMaxWaitMs: 500,
  lagIntervalMs: 5000,
} as const;

function checkFormatSchema(format: Format, schema: Schema, where: string): void {
  if (format !== "avro") return;
  try {
    avroSchema(schema);
  } catch (err) {
    throw new ConnectorConfigError(`${where}: ${(err as Error).message}`);
  }
}

/**
 * The event-time column a source declares, checked against its schema: a timestamp[ms] or int64
 * (epoch milliseconds) column.
 */
export function checkTimeField(spec: SourceSpec, schema: Schema): string | undefined {
  const field = spec.eventTime?.field;
  if (field === undefined) return undefined;
  const f = schema.fields.find((x) => x.name === field);
  if (!f) throw new ConnectorConfigError(`eventTime.field: "${field}" is not a column of the schema`);
  if (!DataType.isTimestamp(f.type) && !(DataType.isInt(f.type) && f.type.bitWidth === 64))
    throw new ConnectorConfigError(
      `eventTime.field: "${field}" must be timestamp[ms] or int64 (epoch milliseconds), not ${String(f.type)}`,
    );
  return field;
}

/** Schema and event time of a Kafka source, without connecting (for the planner). */
export function kafkaStreamInfo(spec: SourceSpec): StreamInfo {
  const k = spec.kafka!;
  if (!spec.schema || spec.schema.length === 0)
    throw new ConnectorConfigError(
      `schema: a kafka source needs \`schema\`, the columns to read from each message (for every format, arrow too: incoming batches are checked against it)`,
    );
  const names = new Set<string>();
  for (const f of spec.schema) {
    if (names.has(f.name)) throw new ConnectorConfigError(`schema: column "${f.name}" appears twice`);
    names.add(f.name);
    if (f.dictionary && f.type !== "utf8")
      throw new ConnectorConfigError(`schema: column "${f.name}": dictionary applies to utf8 columns only`);
  }
  const schema = arrowSchema(spec.schema);
  checkFormatSchema(k.format ?? KAFKA_SOURCE_DEFAULTS.format, schema, "schema");
  for (const key of k.table?.key ?? [])
    if (!names.has(key)) throw new ConnectorConfigError(`kafka.table.key: "${key}" is not a column of the schema`);
  return { schema, timeField: checkTimeField(spec, schema) };
}

export function kafkaSourceConfig(jobName: string, sourceName: string, spec: SourceSpec): KafkaSourceConfig {
  const k = spec.kafka!;
  const { schema, timeField } = kafkaStreamInfo(spec);
  if (k.table && k.startingOffsets !== undefined && k.startingOffsets !== "earliest")
    throw new ConnectorConfigError(
      `kafka.startingOffsets: a table is read from the start of its compacted topic; remove startingOffsets or set it to earliest`,
    );
  const idle = spec.eventTime?.idleTimeout;
  if (idle !== undefined && !isDuration(idle))
    throw new ConnectorConfigError(`eventTime.idleTimeout must be a duration like 30s, got "${idle}"`);
  if (k.deadLetterTopic === k.topic)
    throw new ConnectorConfigError(`kafka.deadLetterTopic must differ from kafka.topic ("${k.topic}")`);
  return {
    client: explicitKafkaClient(process.env, k.client),
    connection: connectionConfig(k, "kafka"),
    topic: k.topic,
    groupId: k.groupId ?? `sabot-${jobName}-${sourceName}`,
    startingOffsets: k.table ? "earliest" : (k.startingOffsets ?? KAFKA_SOURCE_DEFAULTS.startingOffsets),
    format: k.format ?? KAFKA_SOURCE_DEFAULTS.format,
    deadLetterTopic: k.deadLetterTopic ?? null,
    maxRecordBytes: k.maxRecordBytes ?? KAFKA_SOURCE_DEFAULTS.maxRecordBytes,
    tableKey: k.table?.key ?? null,
    schema,
    timeField,
    idleTimeoutMs: idle === undefined ? null : parseDuration(idle),
    bufferBatches: KAFKA_SOURCE_DEFAULTS.bufferBatches,
    fetchMaxBytes: KAFKA_SOURCE_DEFAULTS.fetchMaxBytes,
    partitionMaxBytes: KAFKA_SOURCE_DEFAULTS.partitionMaxBytes,
    fetchMaxWaitMs: KAFKA_SOURCE_DEFAULTS.fetchMaxWaitMs,
    lagIntervalMs: KAFKA_SOURCE_DEFAULTS.lagIntervalMs,
  };
}

export interface KafkaSinkConfig {
  /** The explicit choice; null: the default, picked when the sink is made (exactly-once is known then). */
  client: KafkaClientKind | null;
  connection: KafkaConnectionConfig;
  topic: string;
  format: Format;
  /** Codec of the record batches written; readers need nothing set (the codec is in each batch). */
  compression: Compression;
  /** Indexes of the key columns in the input schema (empty: messages have no key). */
  keyColumns: string[];
  /** Largest message the sink sends; larger arrow batches are split (Kafka's default max.message.bytes). */
  maxMessageBytes: number;
  /**
   * Bytes of records (before compression) in one produce request of the kafkajs sink: its records
   * for a partition form one record batch, which the broker refuses over its message.max.bytes
   * (default 1 MiB + 12). librdkafka bounds its batches itself (batch.size).
   */
  maxRequestBytes: number;
  /** Produce requests awaiting acks before write() waits. */
  maxInFlight: number;
}

export function kafkaSinkConfig(spec: KafkaSinkSpec, input: StreamInfo): KafkaSinkConfig {
  const format = spec.format ?? "json";
  const keyColumns = spec.key ?? [];
  const names = input.schema.fields.map((f) => f.name);
  for (const key of keyColumns)
    if (!names.includes(key))
      throw new ConnectorConfigError(
        `kafka.key: "${key}" is not a column of the sink's input (columns: ${names.join(", ")})`,
      );
  if (format === "arrow" && keyColumns.length > 0)
    throw new ConnectorConfigError(
      "kafka.key: arrow messages hold whole batches and have no per-row key; use format json or avro for a keyed topic",
    );
  checkFormatSchema(format, input.schema, "kafka.format");
  return {
    client: explicitKafkaClient(process.env, spec.client),
    connection: connectionConfig(spec, "kafka"),
    topic: spec.topic,
    format,
    compression: spec.compression ?? "none",
    keyColumns,
    maxMessageBytes: 1_000_000,
    maxRequestBytes: 1_000_000,
    maxInFlight: 8,
  };
}
