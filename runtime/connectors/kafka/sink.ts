import type { RecordBatch } from "apache-arrow";
import { type Kafka, type Message, Partitioners, type Producer, type Transaction } from "kafkajs";
import { createEncoder, createKeyEncoder, type Encoder } from "../../formats/index.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Sink } from "../connector.js";
import { TwoPhaseSink } from "../two-phase-sink.js";
import { kafkaClient } from "./client.js";
import { COMPRESSION } from "./codecs.js";
import type { KafkaSinkConfig } from "./config.js";
import { produceRequests } from "./produce-requests.js";

/** Rows per produce request at most: big enough to batch well (maxRequestBytes bounds its size). */
const MESSAGES_PER_REQUEST = 1000;

/**
 * Writes batches to a topic: json/avro one message per row (keyed by the key columns, in the same
 * format; Kafka's default partitioner then sends equal keys to one partition), arrow one message
 * per batch (split in halves until each fits maxMessageBytes). write() hands messages to the
 * producer without waiting for acks, up to maxInFlight requests; flush() waits for all acks.
 *
 * Exactly-once (ctx.exactlyOnce): rows go through a transactional producer (transactionalId
 * `sabot-<job>-<sink>-<subtask>`, idempotent, one request in flight) inside a transaction that is
 * committed when the checkpoint covering them completes (protocol: ExactlyOnce below).
 */
export class KafkaSink extends TwoPhaseSink implements Sink {
  private producer: Producer | null = null;
  private readonly encoder: Encoder;
  private readonly keys: ((batch: RecordBatch) => Buffer[]) | null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | null = null;
  private readonly eos: ExactlyOnce | null;

  constructor(
    private readonly config: KafkaSinkConfig,
    input: StreamInfo,
    private readonly ctx: Pick<ConnectorContext, "jobName" | "name" | "subtask" | "log" | "exactlyOnce">,
  ) {
    super();
    this.eos = ctx.exactlyOnce
      ? new ExactlyOnce(config.topic, `sabot-${ctx.jobName}-${ctx.name}-${ctx.subtask}`)
      : null;
    if (this.eos) this.twoPhase(this.eos);
    this.encoder = createEncoder(config.format, input.schema);
    this.keys =
      config.keyColumns.length > 0 && config.format !== "arrow"
        ? createKeyEncoder(config.format, input.schema, config.keyColumns)
        : null;
  }

  async open(): Promise<void> {
    const kafka: Kafka = kafkaClient(
      this.config.connection,
      `sabot-${this.ctx.jobName}-${this.ctx.name}-${this.ctx.subtask}`,
      this.ctx.log,
    );
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

  // Two-phase commit (TwoPhaseSink): set only in exactly-once mode.
  /** Exactly-once: the rows in the open transaction (what preparedOutput hands over). */
  private txnRows: RecordBatch[] = [];
  private preparedRows: RecordBatch[] = [];

  private twoPhase(eos: ExactlyOnce): void {
    this.prepareCheckpoint = async (id) => {
      await this.flush();
      eos.prepare(id);
      this.preparedRows = this.txnRows;
    };
    this.preparedOutput = () => this.preparedRows;
    this.recommit = async (id, rows) => {
      for (const b of rows) await this.write(b);
      await this.prepareCheckpoint!(id);
      await this.commitCheckpoint!(id);
    };
    this.commitCheckpoint = async (id) => {
      try {
        await eos.commit(id);
        this.ctx.log.info(
          { checkpoint: id, rows: this.txnRows.reduce((s, b) => s + b.numRows, 0) },
          "kafka transaction committed",
        );
        this.txnRows = [];
        this.preparedRows = [];
      } catch (err) {
        this.failure ??= new Error(
          `committing checkpoint ${id}'s transaction to kafka topic "${this.config.topic}" failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
        throw this.failure;
      }
    };
    this.checkpointFailed = (id) => eos.failed(id);
    // Read afresh: a marker committed by a crashed producer may become readable a little later.
    this.committedCheckpoint = async () => (eos.committed = await eos.readMarker());
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.failure) throw this.failure;
    if (batch.numRows === 0) return;
    // Rows after a prepared checkpoint's cut wait for its commit: they belong to the next transaction.
    await this.eos?.gate;
    if (this.eos) this.txnRows.push(batch);
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
          this.failure ??= new Error(
            `writing to kafka topic "${this.config.topic}" failed: ${(err as Error).message}`,
            {
              cause: err,
            },
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
    this.ctx.log.info("kafka sink aborted: its open transaction is left to be fenced");
    const producer = this.producer;
    this.producer = null;
    this.failure ??= new Error("the sink was aborted");
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
        this.ctx.log.info(
          { rows: this.txnRows.reduce((s, b) => s + b.numRows, 0) },
          "kafka transaction committed at close",
        );
      }
    } finally {
      await this.producer?.disconnect();
      this.producer = null;
    }
  }
}

/**
 * The transactional side of an exactly-once Kafka sink. One transaction is open at a time: it
 * holds every row since the last committed checkpoint. At a cut it is prepared (flushed) and rows
 * after the cut wait (`gate`) until it is committed — or until the checkpoint fails, when the same
 * transaction goes on and is committed with the next checkpoint. Each commit carries, in the same
 * transaction, a consumer-group offset (group `<transactionalId>-checkpoint`, the topic's partition
 * 0, offset = checkpoint id): Kafka makes it visible atomically with the rows, so after a crash it
 * says exactly which checkpoint's output is the last visible one. kafkajs cannot resume a
 * transaction of an earlier producer session, so nothing is ever left to resume: connecting with
 * the same transactionalId fences the crashed producer and aborts its open transaction, and the
 * job restores the checkpoint that marker names.
 */
class ExactlyOnce {
  private producer: Producer | null = null;
  txn: Transaction | null = null;
  /** Set while a prepared checkpoint awaits commit; writes wait on it. */
  gate: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private prepared: number | null = null;
  private failedUpTo = 0;
  committed: number | null = null;

  constructor(
    private readonly topic: string,
    private readonly transactionalId: string,
  ) {}

  private get group(): string {
    return `${this.transactionalId}-checkpoint`;
  }

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

  private kafka: Kafka | null = null;

  /** The checkpoint id of the last committed transaction's offset marker (null: none). */
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

  prepare(id: number): void {
    if (id <= this.failedUpTo) return; // failed before its cut came through: nothing to wait for
    this.prepared = id;
    this.gate = new Promise<void>((r) => (this.release = r));
  }

  async commit(id: number): Promise<void> {
    if (this.prepared !== id) throw new Error(`checkpoint ${id} was not prepared (prepared: ${this.prepared})`);
    try {
      const txn = this.txn!;
      await txn.sendOffsets({
        consumerGroupId: this.group,
        topics: [{ topic: this.topic, partitions: [{ partition: 0, offset: String(id) }] }],
      });
      await txn.commit();
      this.committed = id;
      this.txn = await this.producer!.transaction();
    } finally {
      this.unblock();
    }
  }

  failed(id: number): void {
    this.failedUpTo = Math.max(this.failedUpTo, id);
    if (this.prepared === id) this.unblock();
  }

  private unblock(): void {
    this.prepared = null;
    this.gate = null;
    this.release?.();
    this.release = null;
  }
}
