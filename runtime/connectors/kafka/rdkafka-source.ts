import type { ConnectorContext, SourcePosition } from "../connector.js";
import type { KafkaSourceConfig } from "./config.js";
import { QueuedKafkaSource } from "./queued-source.js";
import {
  asFetched,
  call,
  connectClient,
  forwardLogs,
  type KafkaConsumer,
  type Message,
  rdkafka,
  rdkafkaConnectionConf,
} from "./rdkafka-client.js";

/**
 * librdkafka consumer properties of a source (the connection's, secrets read now): shared by this
 * source and the native one (native-source.ts), which runs its own consumer on the same librdkafka.
 */
export function rdkafkaConsumerConf(
  config: KafkaSourceConfig,
  clientId: string,
): ReturnType<typeof rdkafkaConnectionConf> {
  return {
    ...rdkafkaConnectionConf(config.connection),
    "client.id": clientId,
    "group.id": config.groupId,
    "enable.auto.commit": false,
    "enable.auto.offset.store": false,
    "enable.partition.eof": false,
    "isolation.level": "read_committed",
    "allow.auto.create.topics": false,
    "fetch.max.bytes": config.fetchMaxBytes,
    "max.partition.fetch.bytes": config.partitionMaxBytes,
    "fetch.wait.max.ms": config.fetchMaxWaitMs,
  };
}

/** Methods the binding has but its type declarations lack. */
interface Untyped {
  setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void;
  commitCb(offsets: { topic: string; partition: number; offset: number }[], cb: (err: unknown) => void): void;
}

/** Messages one consume() call may return: large enough to amortize the native call. */
const CONSUME_BATCH = 20_000;
/** librdkafka's "no offset" (OFFSET_INVALID). */
const INVALID = -1001;

/**
 * A partition's position after a consume: past its last message taken, or librdkafka's position
 * where that is further (past control records and aborted transactions); -1 when neither is known.
 */
export function partitionNext(lastOffset: number | undefined, position: number | undefined): number {
  const last = lastOffset === undefined ? -1 : lastOffset + 1;
  // No position yet (nothing consumed from it): OFFSET_INVALID, or no number at all.
  return Math.max(last, position !== undefined && Number.isFinite(position) && position !== INVALID ? position : -1);
}
const TIMEOUT_MS = 10_000;

/**
 * The Kafka source on librdkafka. Same contract as KafkaSource (source.ts): partitions p with
 * p % parallelism == subtask, assigned (never subscribed: no group rebalances), started from the
 * checkpoint or startingOffsets, offsets committed only by commit(). librdkafka fetches in its own
 * threads, decompresses natively and reads read_committed (aborted transactions and control
 * records never reach us); a background loop takes up to CONSUME_BATCH messages per call while
 * fewer than bufferBatches decoded batches wait, so backpressure stops the calls and librdkafka's
 * own prefetch queue (queued.max.messages.kbytes) bounds what it holds.
 */
export class RdkafkaSource extends QueuedKafkaSource {
  private readonly consumer: KafkaConsumer;
  /** Each partition's position after what was taken from the client. */
  protected readonly taken = new Map<number, number>();
  /** Mean message size seen (bytes), for consumeCount; a guess until the first messages come. */
  private messageBytes = 1024;

  constructor(config: KafkaSourceConfig, ctx: ConnectorContext) {
    super(config, ctx);
    const clientId = this.clientId;
    const { KafkaConsumer } = rdkafka();
    this.consumer = new KafkaConsumer({ ...rdkafkaConsumerConf(config, clientId), event_cb: true } as never, {
      "auto.offset.reset": config.startingOffsets === "latest" ? "latest" : "earliest",
    });
    forwardLogs(this.consumer as never, ctx.log);
  }

  async open(from?: SourcePosition): Promise<void> {
    await connectClient(this.consumer, this.config.connection);
    const all = await this.partitions();
    this.mine = all.filter((p) => p % this.ctx.parallelism === this.ctx.subtask);
    this.ctx.metrics.kafkaPartitions.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic },
      all.length,
    );
    await this.decoder.open();
    const marks = await this.watermarks();
    const start = await this.startOffsets(marks, from);
    for (const p of this.mine) this.taken.set(p, start.get(p)!);
    const ends = new Map([...marks].map(([p, m]) => [p, BigInt(m.high)]));
    this.queue.start(this.mine, new Map([...start].map(([p, o]) => [p, String(o)])), ends);
    for (const [p, high] of ends) this.queue.setHighWatermark(p, high);
    this.assignPartitions(start);
    this.ctx.log.info(
      {
        topic: this.config.topic,
        partitions: this.mine,
        start: Object.fromEntries(start),
        groupId: this.config.groupId,
        client: this.clientName,
      },
      "kafka source opened",
    );
    this.startLoops();
  }

  protected get clientName(): string {
    return "librdkafka";
  }

  /** Assigns this subtask's partitions at their start offsets to the client that fetches. */
  protected assignPartitions(start: Map<number, number>): void {
    this.consumer.assign(
      this.mine.map((partition) => ({ topic: this.config.topic, partition, offset: start.get(partition)! })),
    );
    this.consumer.setDefaultConsumeTimeout(this.config.fetchMaxWaitMs);
    (this.consumer as unknown as Untyped).setDefaultIsTimeoutOnlyForFirstMessage(true);
  }

  private async partitions(): Promise<number[]> {
    const where = this.config.connection.brokers.join(",");
    const meta = await call<{ topics: { name: string; partitions: { id: number }[] }[] }>((cb) =>
      this.consumer.getMetadata({ topic: this.config.topic, timeout: TIMEOUT_MS }, cb as never),
    );
    const t = meta.topics.find((x) => x.name === this.config.topic);
    if (!t || t.partitions.length === 0)
      throw new Error(`kafka topic "${this.config.topic}" does not exist on ${where}: create it first`);
    return t.partitions.map((p) => p.id).sort((a, b) => a - b);
  }

  private async watermarks(): Promise<Map<number, { low: number; high: number }>> {
    const out = new Map<number, { low: number; high: number }>();
    for (const p of this.mine) {
      const w = await call<{ lowOffset: number; highOffset: number }>((cb) =>
        this.consumer.queryWatermarkOffsets(this.config.topic, p, TIMEOUT_MS, cb as never),
      );
      out.set(p, { low: w.lowOffset, high: w.highOffset });
    }
    return out;
  }

  /** From a checkpoint where there is one (new partitions: earliest), else by startingOffsets. */
  private async startOffsets(
    marks: Map<number, { low: number; high: number }>,
    from?: SourcePosition,
  ): Promise<Map<number, number>> {
    const low = (p: number) => marks.get(p)!.low;
    if (from)
      return new Map(this.mine.map((p) => [p, from[String(p)] === undefined ? low(p) : Number(from[String(p)])]));
    if (this.config.startingOffsets === "earliest") return new Map(this.mine.map((p) => [p, low(p)]));
    if (this.config.startingOffsets === "latest") return new Map(this.mine.map((p) => [p, marks.get(p)!.high]));
    const committed = await call<{ partition: number; offset: number }[]>((cb) =>
      this.consumer.committed(
        this.mine.map((partition) => ({ topic: this.config.topic, partition })),
        TIMEOUT_MS,
        cb as never,
      ),
    );
    const at = new Map(committed.map((c) => [c.partition, c.offset]));
    return new Map(this.mine.map((p) => [p, (at.get(p) ?? -1) >= 0 ? at.get(p)! : low(p)]));
  }

  protected async fetchLoop(): Promise<void> {
    let failures = 0;
    while (await this.queue.room(this.config.bufferBatches)) {
      try {
        const messages = await call<Message[]>((cb) => this.consumer.consume(this.consumeCount(), cb as never));
        if (this.closed) break;
        await this.take(messages);
        failures = 0;
      } catch (err) {
        if (this.closed) break;
        this.ctx.log.error({ err }, "kafka consume failed; reading again from the positions queued");
        this.reassignTaken();
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
      }
    }
  }

  /**
   * After a failed take (the dead-letter topic refused, say): the client fetches again from each
   * partition's position queued, since what it had consumed past that was never queued.
   */
  protected reassignTaken(): void {
    try {
      this.assignPartitions(new Map(this.mine.map((p) => [p, this.taken.get(p)!])));
    } catch (err) {
      this.ctx.log.error({ err }, "kafka source: assigning the positions queued again failed");
    }
  }

  /**
   * Messages to take in one call: about what one fetch returns (fetchMaxBytes, partitionMaxBytes
   * per partition) at the message size seen so far, so that bufferBatches bounds memory here as
   * it does on the kafkajs path; at most CONSUME_BATCH.
   */
  private consumeCount(): number {
    const bytes = Math.min(this.config.fetchMaxBytes, this.config.partitionMaxBytes * Math.max(1, this.mine.length));
    return Math.max(1, Math.min(CONSUME_BATCH, Math.floor(bytes / this.messageBytes)));
  }

  /**
   * Splits what one consume returned by partition and decodes each in offset order. A partition's
   * end is librdkafka's position, which moves past control records and aborted transactions too.
   */
  private async take(messages: Message[]): Promise<void> {
    const byPartition = new Map<number, Message[]>();
    let size = 0;
    for (const m of messages) {
      size += m.size;
      const list = byPartition.get(m.partition);
      if (list) list.push(m);
      else byPartition.set(m.partition, [m]);
    }
    if (messages.length > 0) this.messageBytes = Math.max(1, size / messages.length);
    const positions = this.consumer.position(this.mine.map((partition) => ({ topic: this.config.topic, partition })));
    for (const { partition: p, offset } of positions) {
      const got = byPartition.get(p);
      const next = partitionNext(got ? got[got.length - 1].offset : undefined, offset);
      if (next <= this.taken.get(p)!) continue;
      this.queue.push(await this.decoder.decode(p, (got ?? []).map(asFetched), String(next)));
      this.taken.set(p, next);
    }
  }

  /** High watermarks from the brokers (what fetches cached, else a query), for the lag metric. */
  protected async refreshLag(): Promise<void> {
    try {
      for (const p of this.mine) {
        const w = await call<{ highOffset: number }>((cb) =>
          this.consumer.queryWatermarkOffsets(this.config.topic, p, TIMEOUT_MS, cb as never),
        );
        this.queue.setHighWatermark(p, BigInt(w.highOffset));
      }
    } catch (err) {
      this.ctx.log.debug({ err }, "reading high watermarks failed");
    }
  }

  async commit(position: SourcePosition): Promise<void> {
    const mine = new Set(this.mine);
    const offsets = Object.entries(position)
      .filter(([p]) => mine.has(Number(p)))
      .map(([p, o]) => ({ topic: this.config.topic, partition: Number(p), offset: Number(o) }));
    if (offsets.length === 0) return;
    await call((cb) => (this.consumer as unknown as Untyped).commitCb(offsets, cb));
  }

  protected async disconnect(): Promise<void> {
    await call((cb) => this.consumer.disconnect(cb as never)).catch(() => {});
  }
}
