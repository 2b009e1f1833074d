import type { RecordBatch } from "apache-arrow";
import type { StreamInfo } from "../../types/stream-info.js";
import { CheckpointTransactions } from "./checkpoint-transactions.js";
import type { KafkaSinkConfig } from "./config.js";
import { KafkaSinkBase, type KafkaSinkContext, sinkClientId } from "./kafka-sink-base.js";
import {
  call,
  connectClient,
  forwardLogs,
  type KafkaConsumer,
  type Producer,
  rdkafka,
  rdkafkaConnectionConf,
} from "./rdkafka-client.js";

const QUEUE_FULL = -184;
const TIMED_OUT = -185;
const TIMEOUT_MS = 30_000;

/**
 * librdkafka producer properties of a sink (the connection's, secrets read now): shared with the
 * native sink (native-sink.ts), whose producer runs on the same librdkafka.
 */
export function rdkafkaProducerConf(
  config: KafkaSinkConfig,
  clientId: string,
): ReturnType<typeof rdkafkaConnectionConf> {
  return {
    ...rdkafkaConnectionConf(config.connection),
    "client.id": clientId,
    "compression.codec": config.compression,
    partitioner: "murmur2_random",
    acks: -1,
    "enable.idempotence": true,
    "linger.ms": 5,
    "batch.num.messages": 10_000,
    "queue.buffering.max.messages": 1_000_000,
    "message.max.bytes": config.maxMessageBytes + 64 * 1024,
    "delivery.report.only.error": true,
  };
}

/**
 * The Kafka sink on librdkafka: json/avro one message per row (keyed by the key columns;
 * partitioner murmur2_random, the Java client's and kafkajs' choice, so equal keys land where they
 * did), arrow one message per batch (split in halves until each fits maxMessageBytes). produce()
 * only queues in librdkafka, which batches, compresses (all four codecs natively) and sends in its
 * own threads; flush() waits until all is acknowledged. Only failed deliveries are reported back
 * (delivery.report.only.error), so a successful message costs JavaScript nothing after produce().
 *
 * Exactly-once (ctx.exactlyOnce) is the kafkajs sink's protocol (sink.ts, ExactlyOnce) on
 * librdkafka's transactions: one open transaction since the last committed checkpoint; at commit,
 * the offset marker goes into the same transaction (CheckpointTransactions); after a crash
 * initTransactions() fences the old producer and aborts its transaction, and the marker names the
 * last checkpoint whose output is visible.
 */
export class RdkafkaSink extends KafkaSinkBase<RdkafkaTransactions> {
  private producer: Producer | null = null;

  constructor(config: KafkaSinkConfig, input: StreamInfo, ctx: KafkaSinkContext) {
    rdkafka(); // a missing binary fails the job at start, not at its first row
    super(config, input, ctx, ctx.exactlyOnce ? new RdkafkaTransactions(config, sinkClientId(ctx)) : null);
  }

  private get clientId(): string {
    return sinkClientId(this.ctx);
  }

  async open(): Promise<void> {
    const { Producer } = rdkafka();
    const producer = new Producer({
      ...rdkafkaProducerConf(this.config, this.clientId),
      dr_cb: true,
      event_cb: true,
      ...(this.eos ? { "transactional.id": this.clientId } : {}),
    } as never);
    forwardLogs(producer as never, this.ctx.log);
    producer.on("delivery-report", (err) => {
      if (err)
        this.fail(new Error(`writing to kafka topic "${this.config.topic}" failed: ${err.message}`, { cause: err }));
    });
    await connectClient(producer, this.config.connection);
    producer.setPollInBackground(true);
    this.producer = producer;
    await this.checkTopic(producer);
    if (this.eos) await this.eos.open(producer, this.ctx);
  }

  private async checkTopic(producer: Producer): Promise<void> {
    const meta = await call<{ topics: { name: string; partitions: unknown[] }[] }>((cb) =>
      producer.getMetadata({ topic: this.config.topic, timeout: TIMEOUT_MS }, cb as never),
    );
    const t = meta.topics.find((x) => x.name === this.config.topic);
    if (!t || t.partitions.length === 0)
      throw new Error(
        `kafka topic "${this.config.topic}" does not exist on ${this.config.connection.brokers.join(",")}: create it first`,
      );
  }

  async write(batch: RecordBatch): Promise<void> {
    if (!(await this.admit(batch))) return;
    if (this.config.format === "arrow") return this.produceAll(this.arrowMessages(batch), null);
    return this.produceAll(this.encoder.encode(batch), this.keys?.(batch) ?? null);
  }

  /**
   * Queues messages in librdkafka, synchronously while it has room; a full queue waits for
   * deliveries (backpressure) and goes on where it stopped.
   */
  private async produceAll(values: Buffer[], keys: Buffer[] | null): Promise<void> {
    const producer = this.producer!;
    for (let i = 0; i < values.length; ) {
      try {
        for (; i < values.length; i++) producer.produce(this.config.topic, null, values[i], keys ? keys[i] : null);
      } catch (err) {
        if ((err as { code?: number }).code !== QUEUE_FULL) throw this.wrap(err);
        await this.flushFor(100);
        if (this.failure) throw this.failure;
      }
    }
  }

  private wrap(err: unknown): Error {
    return new Error(`writing to kafka topic "${this.config.topic}" failed: ${(err as Error).message}`, { cause: err });
  }

  /** Flushes for up to ms; false when messages are still queued then. */
  private async flushFor(ms: number): Promise<boolean> {
    try {
      await call((cb) => this.producer!.flush(ms, cb as never));
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === TIMED_OUT) return false;
      throw this.wrap(err);
    }
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.producer && !(await this.flushFor(1000))) if (this.failure) throw this.failure;
    // Failed deliveries are reported by the poll thread right after the flush returns.
    await new Promise((r) => setImmediate(r));
    if (this.failure) throw this.failure;
  }

  async abort(): Promise<void> {
    this.markAborted();
    const producer = this.producer;
    this.producer = null;
    await this.eos?.close();
    if (producer) await call((cb) => producer.disconnect(0, cb as never)).catch(() => {});
  }

  async close(): Promise<void> {
    try {
      await this.eos?.gate;
      await this.flush();
      // Output after the last checkpoint of a job that ends normally is committed without a checkpoint.
      if (this.eos?.inTxn) {
        await this.eos.commitOpen();
        this.ctx.log.info({ rows: this.txnRowCount() }, "kafka transaction committed at close");
      }
    } finally {
      await this.eos?.close();
      const producer = this.producer;
      this.producer = null;
      if (producer) await call((cb) => producer.disconnect(TIMEOUT_MS, cb as never));
    }
  }
}

/** CheckpointTransactions on librdkafka's transactions (see RdkafkaSink). */
class RdkafkaTransactions extends CheckpointTransactions {
  private producer: Producer | null = null;
  /** Holds the marker group's metadata for sendOffsetsToTransaction, and reads the marker. */
  private marker: KafkaConsumer | null = null;
  inTxn = false;

  constructor(
    private readonly config: KafkaSinkConfig,
    transactionalId: string,
  ) {
    super(config.topic, transactionalId);
  }

  async open(producer: Producer, ctx: KafkaSinkContext): Promise<void> {
    this.producer = producer;
    const { KafkaConsumer } = rdkafka();
    this.marker = new KafkaConsumer(
      {
        ...rdkafkaConnectionConf(this.config.connection),
        "client.id": `${this.transactionalId}-marker`,
        "group.id": this.group,
        "enable.auto.commit": false,
        "isolation.level": "read_committed",
        event_cb: true,
      } as never,
      {},
    );
    forwardLogs(this.marker as never, ctx.log);
    await connectClient(this.marker, this.config.connection);
    // Fences a crashed run's producer and aborts its open transaction.
    await call((cb) => producer.initTransactions(TIMEOUT_MS, cb as never));
    await this.begin();
    this.committed = await this.readMarker();
  }

  private async begin(): Promise<void> {
    await call((cb) => this.producer!.beginTransaction(cb as never));
    this.inTxn = true;
  }

  async readMarker(): Promise<number | null> {
    const got = await call<{ partition: number; offset: number }[]>((cb) =>
      this.marker!.committed([{ topic: this.topic, partition: 0 }], TIMEOUT_MS, cb as never),
    );
    const p0 = got.find((p) => p.partition === 0);
    return p0 && p0.offset >= 0 ? p0.offset : null;
  }

  protected async commitWithMarker(id: number): Promise<void> {
    await call((cb) =>
      this.producer!.sendOffsetsToTransaction(
        [{ topic: this.topic, partition: 0, offset: id }],
        this.marker!,
        TIMEOUT_MS,
        cb as never,
      ),
    );
    await this.commitOpen();
    this.committed = id;
    await this.begin();
  }

  async commitOpen(): Promise<void> {
    this.inTxn = false;
    await call((cb) => this.producer!.commitTransaction(TIMEOUT_MS, cb as never));
  }

  async close(): Promise<void> {
    const m = this.marker;
    this.marker = null;
    if (m) await call((cb) => m.disconnect(cb as never)).catch(() => {});
  }
}
