import { createDecoder, type Decoder } from "../../formats/index.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Source, SourceBatch, SourcePosition } from "../connector.js";
import { kafkaClient } from "./client.js";
import type { KafkaSourceConfig } from "./config.js";
import { DeadLetters, withinSize } from "./dead-letters.js";
import {
  call,
  connectClient,
  forwardLogs,
  type KafkaConsumer,
  type Message,
  rdkafka,
  rdkafkaConnectionConf,
} from "./rdkafka-client.js";
import { asFetched, type BadItem, type DecodedRun, decodeMessages } from "./rdkafka-decode.js";
import { TombstoneDecoder } from "./tombstones.js";

/** Methods the binding has but its type declarations lack. */
interface Untyped {
  setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void;
  commitCb(offsets: { topic: string; partition: number; offset: number }[], cb: (err: unknown) => void): void;
}

/** Messages one consume() call may return: large enough to amortize the native call. */
const CONSUME_BATCH = 20_000;
/** librdkafka's "no offset" (OFFSET_INVALID). */
const INVALID = -1001;
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
export class RdkafkaSource implements Source {
  readonly output: StreamInfo;
  private readonly consumer: KafkaConsumer;
  private readonly deadLetters: DeadLetters;
  private readonly decoder: Decoder;
  private readonly tombstones: TombstoneDecoder | null;
  private mine: number[] = [];
  private readonly taken = new Map<number, number>();
  private readonly delivered = new Map<number, string>();
  private readonly highWatermark = new Map<number, number>();
  private readonly lastData = new Map<number, number>();
  private endAtOpen = new Map<number, number>();
  private readonly queue: DecodedRun[] = [];
  private current: { run: DecodedRun; i: number } | null = null;
  private dataWaiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private closed = false;
  private loop: Promise<void> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private openedAt = 0;
  /** Mean message size seen (bytes), for consumeCount; a guess until the first messages come. */
  private messageBytes = 1024;
  private readonly decodeSeconds: { inc(seconds: number): void };
  private readonly messagesRead: { inc(messages: number): void };

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly ctx: ConnectorContext,
  ) {
    this.output = { schema: config.schema, timeField: config.timeField };
    const clientId = `sabot-${ctx.jobName}-${ctx.name}-${ctx.subtask}`;
    const { KafkaConsumer } = rdkafka();
    this.consumer = new KafkaConsumer(
      {
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
        event_cb: true,
      } as never,
      { "auto.offset.reset": config.startingOffsets === "latest" ? "latest" : "earliest" },
    );
    forwardLogs(this.consumer as never, ctx.log);
    this.deadLetters = new DeadLetters(
      ctx,
      config.deadLetterTopic,
      kafkaClient(config.connection, `${clientId}-dlq`, ctx.log),
    );
    this.decoder = createDecoder(config.format, config.schema);
    this.tombstones = config.tableKey ? new TombstoneDecoder(config.schema, config.tableKey, config.format) : null;
    this.decodeSeconds = ctx.metrics.sourceBusySeconds.labels({ ...ctx.labels, source: ctx.name });
    this.messagesRead = ctx.metrics.kafkaMessages.labels({ ...ctx.labels, source: ctx.name });
  }

  async open(from?: SourcePosition): Promise<void> {
    await connectClient(this.consumer, this.config.connection);
    const all = await this.partitions();
    this.mine = all.filter((p) => p % this.ctx.parallelism === this.ctx.subtask);
    this.ctx.metrics.kafkaPartitions.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic },
      all.length,
    );
    await this.deadLetters.open();
    const marks = await this.watermarks();
    const start = await this.startOffsets(marks, from);
    for (const p of this.mine) {
      this.taken.set(p, start.get(p)!);
      this.delivered.set(p, String(start.get(p)!));
      this.highWatermark.set(p, marks.get(p)!.high);
      this.updateLag(p);
    }
    this.endAtOpen = new Map([...marks].map(([p, m]) => [p, m.high]));
    this.consumer.assign(
      this.mine.map((partition) => ({ topic: this.config.topic, partition, offset: start.get(partition)! })),
    );
    this.consumer.setDefaultConsumeTimeout(this.config.fetchMaxWaitMs);
    (this.consumer as unknown as Untyped).setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.openedAt = Date.now();
    this.ctx.log.info(
      {
        topic: this.config.topic,
        partitions: this.mine,
        start: Object.fromEntries(start),
        groupId: this.config.groupId,
        client: "librdkafka",
      },
      "kafka source opened",
    );
    this.lagTimer = setInterval(() => void this.refreshLag(), this.config.lagIntervalMs);
    this.lagTimer.unref();
    this.loop = this.consumeLoop();
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

  async next(): Promise<SourceBatch | null> {
    for (;;) {
      const cur = this.current;
      if (cur) {
        const item = cur.run.batches[cur.i++];
        const last = cur.i >= cur.run.batches.length;
        this.deliver(cur.run.split, last ? cur.run.next : item.next);
        if (last) this.current = null;
        return { batch: item.batch, split: cur.run.split };
      }
      const run = this.queue.shift();
      if (run) {
        this.roomWaiter?.();
        if (run.batches.length > 0) this.current = { run, i: 0 };
        else this.deliver(run.split, run.next);
        continue;
      }
      if (this.closed || this.mine.length === 0) return null;
      await new Promise<void>((r) => (this.dataWaiter = r));
      this.dataWaiter = null;
    }
  }

  /** Moves a partition's position; the offsets passed count as messages consumed (lag's unit). */
  private deliver(split: number, next: string): void {
    const before = Number(this.delivered.get(split) ?? next);
    if (Number(next) > before) this.messagesRead.inc(Number(next) - before);
    this.delivered.set(split, next);
    this.updateLag(split);
  }

  private updateLag(p: number): void {
    const hw = this.highWatermark.get(p) ?? 0;
    this.ctx.metrics.consumerLag.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic, partition: String(p) },
      Math.max(0, hw - Number(this.delivered.get(p) ?? hw)),
    );
  }

  private async consumeLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (this.queue.length >= this.config.bufferBatches) {
        await new Promise<void>((r) => (this.roomWaiter = r));
        this.roomWaiter = null;
        continue;
      }
      try {
        const messages = await call<Message[]>((cb) => this.consumer.consume(this.consumeCount(), cb as never));
        if (this.closed) break;
        await this.take(messages);
        failures = 0;
      } catch (err) {
        if (this.closed) break;
        this.ctx.log.error({ err }, "kafka consume failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
      }
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
      const lastOffset = got ? got[got.length - 1].offset + 1 : -1;
      // No position yet (nothing consumed from it): OFFSET_INVALID, or no number at all.
      const next = Math.max(lastOffset, Number.isFinite(offset) && offset !== INVALID ? offset : -1);
      if (next <= this.taken.get(p)!) continue;
      this.taken.set(p, next);
      const t0 = performance.now();
      const run = await this.decode(p, got ?? [], String(next));
      this.decodeSeconds.inc((performance.now() - t0) / 1000);
      this.queue.push(run);
      if (run.batches.length > 0) this.lastData.set(p, Date.now());
      this.dataWaiter?.();
    }
  }

  private async decode(split: number, messages: Message[], next: string): Promise<DecodedRun> {
    const run: DecodedRun = { split, batches: [], next };
    if (messages.length === 0) return run;
    const bad: BadItem[] = [];
    // Oversized records never reach a decoder (maxRecordBytes; see withinSize).
    const fetched = withinSize(messages.map(asFetched), this.config.maxRecordBytes, bad);
    decodeMessages(this.decoder, this.tombstones, run, fetched, bad);
    bad.sort((a, b) => Number(a.message.offset) - Number(b.message.offset));
    await this.deadLetters.report(this.config.topic, split, bad);
    return run;
  }

  lag(): number {
    let total = 0;
    for (const [p, hw] of this.highWatermark) total += Math.max(0, hw - Number(this.delivered.get(p) ?? hw));
    return total;
  }

  /** High watermarks from the brokers (what fetches cached, else a query), for the lag metric. */
  private async refreshLag(): Promise<void> {
    try {
      for (const p of this.mine) {
        const w = await call<{ highOffset: number }>((cb) =>
          this.consumer.queryWatermarkOffsets(this.config.topic, p, TIMEOUT_MS, cb as never),
        );
        this.highWatermark.set(p, w.highOffset);
        this.updateLag(p);
      }
    } catch (err) {
      this.ctx.log.debug({ err }, "reading high watermarks failed");
    }
  }

  caughtUp(): boolean {
    return this.mine.every((p) => Number(this.delivered.get(p) ?? 0) >= (this.endAtOpen.get(p) ?? 0));
  }

  bufferedEntries(): number {
    return this.queue.length;
  }

  idleSplits(nowMs: number): number[] {
    const idle = this.config.idleTimeoutMs;
    if (idle === null) return [];
    const queued = new Set(this.queue.map((e) => e.split));
    if (this.current) queued.add(this.current.run.split);
    return this.mine.filter((p) => !queued.has(p) && nowMs - (this.lastData.get(p) ?? this.openedAt) > idle);
  }

  splits(): number[] {
    return [...this.mine];
  }

  position(): SourcePosition {
    return Object.fromEntries([...this.delivered].map(([p, o]) => [String(p), o]));
  }

  async commit(position: SourcePosition): Promise<void> {
    const mine = new Set(this.mine);
    const offsets = Object.entries(position)
      .filter(([p]) => mine.has(Number(p)))
      .map(([p, o]) => ({ topic: this.config.topic, partition: Number(p), offset: Number(o) }));
    if (offsets.length === 0) return;
    await call((cb) => (this.consumer as unknown as Untyped).commitCb(offsets, cb));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.roomWaiter?.();
    this.dataWaiter?.();
    await this.loop?.catch(() => {});
    await this.deadLetters.close();
    await call((cb) => this.consumer.disconnect(cb as never)).catch(() => {});
  }
}
