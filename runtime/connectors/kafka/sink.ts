import type { RecordBatch } from "apache-arrow";
import { type Message, Partitioners, type Producer } from "kafkajs";
import { createEncoder, createKeyEncoder, type Encoder } from "../../formats/index.js";
import type { StreamInfo } from "../../operators/operator.js";
import type { ConnectorContext, Sink } from "../connector.js";
import { kafkaClient } from "./client.js";
import type { KafkaSinkConfig } from "./config.js";

/** Rows per produce request: big enough to batch well, small enough to stay under request limits. */
const MESSAGES_PER_REQUEST = 1000;

/**
 * Writes batches to a topic: json/avro one message per row (keyed by the key columns, in the same
 * format; Kafka's default partitioner then sends equal keys to one partition), arrow one message
 * per batch (split in halves until each fits maxMessageBytes). write() hands messages to the
 * producer without waiting for acks, up to maxInFlight requests; flush() waits for all acks.
 *
 * Exactly-once (later): keep this shape and send through a transactional producer: begin a
 * transaction on the first write after a flush, commit it when the checkpoint that covers it
 * completes. Nothing else here changes.
 */
export class KafkaSink implements Sink {
  private producer: Producer | null = null;
  private readonly encoder: Encoder;
  private readonly keys: ((batch: RecordBatch) => Buffer[]) | null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | null = null;

  constructor(
    private readonly config: KafkaSinkConfig,
    input: StreamInfo,
    private readonly ctx: Pick<ConnectorContext, "jobName" | "name" | "subtask" | "log">,
  ) {
    this.encoder = createEncoder(config.format, input.schema);
    this.keys =
      config.keyColumns.length > 0 && config.format !== "arrow"
        ? createKeyEncoder(config.format, input.schema, config.keyColumns)
        : null;
  }

  async open(): Promise<void> {
    const kafka = kafkaClient(this.config.brokers, `sabot-${this.ctx.jobName}-${this.ctx.name}-${this.ctx.subtask}`, this.ctx.log);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.config.topic))
        throw new Error(`kafka topic "${this.config.topic}" does not exist on ${this.config.brokers.join(",")}: create it first`);
    } finally {
      await admin.disconnect();
    }
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.failure) throw this.failure;
    if (batch.numRows === 0) return;
    const messages = this.messages(batch);
    for (let i = 0; i < messages.length; i += MESSAGES_PER_REQUEST) {
      while (this.inFlight.size >= this.config.maxInFlight) await Promise.race(this.inFlight);
      if (this.failure) throw this.failure;
      this.send(messages.slice(i, i + MESSAGES_PER_REQUEST));
    }
  }

  private messages(batch: RecordBatch): Message[] {
    const headers = this.encoder.headers;
    if (this.config.format === "arrow") return this.arrowMessages(batch).map((value) => ({ value, headers }));
    const values = this.encoder.encode(batch);
    const keys = this.keys?.(batch);
    return values.map((value, i) => ({ key: keys ? keys[i] : null, value, headers }));
  }

  private arrowMessages(batch: RecordBatch): Buffer[] {
    const [m] = this.encoder.encode(batch);
    if (m.length <= this.config.maxMessageBytes || batch.numRows === 1) return [m];
    const half = Math.ceil(batch.numRows / 2);
    return [...this.arrowMessages(batch.slice(0, half)), ...this.arrowMessages(batch.slice(half))];
  }

  private send(messages: Message[]): void {
    const p = this.producer!.send({ topic: this.config.topic, messages, acks: -1 }).then(
      () => {
        this.inFlight.delete(p);
      },
      (err: unknown) => {
        this.inFlight.delete(p);
        this.failure ??= new Error(`writing to kafka topic "${this.config.topic}" failed: ${(err as Error).message}`, { cause: err });
      },
    );
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.producer?.disconnect();
      this.producer = null;
    }
  }
}
