/**
 * The part of `@confluentinc/kafka-javascript`'s API that Sabot calls, declared here rather than
 * imported: the package is an optional dependency whose native build can fail (then npm removes
 * it), and the engine must still compile and run on kafkajs there (the image's build stage is such
 * a place). The shapes follow the package's own declarations (types/rdkafka.d.ts, 1.10.1).
 */

/** librdkafka's callbacks: an error, or null and a result. */
type Callback<T = void> = (err: Error | null, result: T) => void;

export interface Message {
  value: Buffer | null;
  size: number;
  topic: string;
  offset: number;
  partition: number;
  key?: Buffer | string | null;
  timestamp?: number;
  headers?: Record<string, Buffer | string>[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}
export interface WatermarkOffsets {
  lowOffset: number;
  highOffset: number;
}
export interface Metadata {
  topics: { name: string; partitions: { id: number }[] }[];
}
export interface LogEvent {
  severity: number;
  fac: string;
  message: string;
}

/** What consumers and producers share. */
interface Client {
  connect(options: { timeout: number }, cb: Callback<unknown>): void;
  disconnect(cb: Callback<unknown>): void;
  getMetadata(options: { topic?: string; timeout: number }, cb: Callback<Metadata>): void;
  on(ev: "event.log", cb: (e: LogEvent) => void): this;
  on(ev: "event.error", cb: (e: Error) => void): this;
}

export interface KafkaConsumer extends Client {
  assign(assignments: TopicPartitionOffset[]): this;
  setDefaultConsumeTimeout(ms: number): void;
  consume(count: number, cb: Callback<Message[]>): void;
  position(toppars?: TopicPartition[]): TopicPartitionOffset[];
  committed(toppars: TopicPartition[], timeoutMs: number, cb: Callback<TopicPartitionOffset[]>): void;
  queryWatermarkOffsets(topic: string, partition: number, timeoutMs: number, cb: Callback<WatermarkOffsets>): void;
}

export interface Producer extends Client {
  disconnect(timeoutMs: number, cb: Callback<unknown>): void;
  disconnect(cb: Callback<unknown>): void;
  on(ev: "delivery-report", cb: (err: Error | null, report: unknown) => void): this;
  on(ev: "event.log", cb: (e: LogEvent) => void): this;
  on(ev: "event.error", cb: (e: Error) => void): this;
  setPollInBackground(set: boolean): void;
  produce(
    topic: string,
    partition: number | null,
    message: Buffer | null,
    key?: Buffer | string | null,
    timestamp?: number | null,
    opaque?: unknown,
    headers?: Record<string, Buffer | string>[],
  ): boolean | number;
  flush(timeoutMs: number, cb: Callback<unknown>): void;
  initTransactions(timeoutMs: number, cb: Callback<unknown>): void;
  beginTransaction(cb: Callback<unknown>): void;
  sendOffsetsToTransaction(
    offsets: TopicPartitionOffset[],
    consumer: KafkaConsumer,
    timeoutMs: number,
    cb: Callback<unknown>,
  ): void;
  commitTransaction(timeoutMs: number, cb: Callback<unknown>): void;
  abortTransaction(timeoutMs: number, cb: Callback<unknown>): void;
}

/** The module: the two client classes. */
export interface RdkafkaModule {
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => KafkaConsumer;
  Producer: new (conf: Record<string, unknown>, topicConf?: Record<string, unknown>) => Producer;
}
