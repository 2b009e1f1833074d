import type { RecordBatch } from "apache-arrow";
import { type Kafka, type Message, Partitioners, type Producer, type Transaction } from "kafkajs";
import type { StreamInfo } from "../../types/stream-info.js";
import { CheckpointTransactions } from "./checkpoint-transactions.js";
import { kafkaClient } from "./client.js";
import { COMPRESSION } from "./codecs.js";
import type { KafkaSinkConfig } from "./config.js";
import { KafkaSinkBase, type KafkaSinkContext, sinkClientId } from "./kafka-sink-base.js";
import { produceRequests } from "./produce-requests.js";

/** Rows per produce request at most: big enough to batch well (maxRequestBytes bounds its size). */
const MESSAGES_PER_REQUEST = 1000;

/**
 * Writes batches to a topic with kafkajs: messages as KafkaSinkBase encodes them (Kafka's default
 * partitioner sends equal keys to one partition). write() hands messages to the producer without
 * waiting for acks, up to maxInFlight requests, each of at most MESSAGES_PER_REQUEST messages and
 * maxRequestBytes; flush() waits for all acks.
 *
 * Exactly-once (ctx.exactlyOnce): rows go through a transactional producer (transactionalId
 * `sabot-<job>-<sink>-<subtask>`, idempotent, one request in flight) inside a transaction that is
 * committed when the checkpoint covering them completes (protocol: CheckpointTransactions).
 */
export class KafkaSink extends KafkaSinkBase<ExactlyOnce> {
  private producer: Producer | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(config: KafkaSinkConfig, input: StreamInfo, ctx: KafkaSinkContext) {
    super(config, input, ctx, ctx.exactlyOnce ? new ExactlyOnce(config.topic, sinkClientId(ctx)) : null);
  }

  async open(): Promise<void> {
    const kafka: Kafka = kafkaClient(this.config.connection, sinkClientId(this.ctx), this.ctx.log);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.config.topic))
        throw new Error(
          `kafka topic "${this.config.topic}" does not exist on ${this.config.connection.brokers.join(",")}: create it first`,
        );
    } finally {
      await admin.disconnect();
    }
    if (this.eos) {
      this.producer = await this.eos.open(kafka);
      return;
    }
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
  }

  async write(batch: RecordBatch): Promise<void> {
    if (!(await this.admit(batch))) return;
    const messages = this.messages(batch);
    // kafkajs' idempotent sends are safe only one at a time (sequence numbers).
    const maxInFlight = this.eos ? 1 : this.config.maxInFlight;
    for (const request of produceRequests(messages, MESSAGES_PER_REQUEST, this.config.maxRequestBytes)) {
      while (this.inFlight.size >= maxInFlight) await Promise.race(this.inFlight);
      if (this.failure) throw this.failure;
      this.send(request);
    }
  }

  private messages(batch: RecordBatch): Message[] {
    if (this.config.format === "arrow") return this.arrowMessages(batch).map((value) => ({ value }));
    const values = this.encoder.encode(batch);
    const keys = this.keys?.(batch);
    return values.map((value, i) => ({ key: keys ? keys[i] : null, value }));
  }

  private send(messages: Message[]): void {
    const p = (this.eos?.txn ?? this.producer!)
      .send({
        topic: this.config.topic,
        messages,
        acks: -1,
        compression: COMPRESSION[this.config.compression],
      })
      .then(
        () => {
          this.inFlight.delete(p);
        },
        (err: unknown) => {
          this.inFlight.delete(p);
          this.fail(
            new Error(`writing to kafka topic "${this.config.topic}" failed: ${(err as Error).message}`, {
              cause: err,
            }),
          );
        },
      );
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async abort(): Promise<void> {
    this.markAborted();
    const producer = this.producer;
    this.producer = null;
    // Disconnecting leaves an open transaction to the broker, which aborts it when the restored
    // attempt's producer (same transactional id) fences this one, or at its timeout.
    await producer?.disconnect().catch(() => {});
  }

  async close(): Promise<void> {
    try {
      await this.eos?.gate; // a checkpoint in flight commits first
      await this.flush();
      // Output after the last checkpoint of a job that ends normally is committed without a
      // checkpoint: restarting that job from its last checkpoint would write it again.
      if (this.eos?.txn) {
        await this.eos.txn.commit();
        this.ctx.log.info({ rows: this.txnRowCount() }, "kafka transaction committed at close");
      }
    } finally {
      await this.producer?.disconnect();
      this.producer = null;
    }
  }
}

/**
 * CheckpointTransactions on kafkajs. kafkajs cannot resume a transaction of an earlier producer
 * session, so nothing is ever left to resume: connecting with the same transactionalId fences the
 * crashed producer and aborts its open transaction, and the job restores the checkpoint that the
 * marker names.
 */
class ExactlyOnce extends CheckpointTransactions {
  private producer: Producer | null = null;
  private kafka: Kafka | null = null;
  txn: Transaction | null = null;

  async open(kafka: Kafka): Promise<Producer> {
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await this.producer.connect();
    // The first transaction() inits the producer id: fences a crashed run and aborts its transaction.
    this.txn = await this.producer.transaction();
    this.kafka = kafka;
    this.committed = await this.readMarker();
    return this.producer;
  }

  async readMarker(): Promise<number | null> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: this.group, topics: [this.topic] });
      const p0 = t?.partitions.find((p) => p.partition === 0);
      return p0 && Number(p0.offset) >= 0 ? Number(p0.offset) : null;
    } finally {
      await admin.disconnect();
    }
  }

  protected async commitWithMarker(id: number): Promise<void> {
    const txn = this.txn!;
    await txn.sendOffsets({
      consumerGroupId: this.group,
      topics: [{ topic: this.topic, partitions: [{ partition: 0, offset: String(id) }] }],
    });
    await txn.commit();
    this.committed = id;
    this.txn = await this.producer!.transaction();
  }
}
