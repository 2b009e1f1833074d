import type { RecordBatch } from "apache-arrow";
import type { BadMessage } from "../../formats/format.js";
import { createDecoder, type Decoder } from "../../formats/index.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Source, SourceBatch, SourcePosition } from "../connector.js";
import {
  type FetchedMessage,
  type FetchedPartition,
  type InternalCluster,
  internalCluster,
  kafkaClient,
  READ_COMMITTED,
} from "./client.js";
import type { KafkaSourceConfig } from "./config.js";
import { DeadLetters, withinSize } from "./dead-letters.js";
import { readableMessages } from "./fetched-batch.js";
import { PartitionOffsets } from "./offsets.js";
import { TombstoneDecoder } from "./tombstones.js";

type Bad = { message: FetchedMessage; bad: BadMessage };

/** Consecutive messages with values and consecutive tombstones (null values), in order. */
function runsOf(messages: FetchedMessage[]): FetchedMessage[][] {
  const runs: FetchedMessage[][] = [];
  for (const m of messages) {
    const last = runs.at(-1);
    if (last && (last[0].value === null) === (m.value === null)) last.push(m);
    else runs.push([m]);
  }
  return runs;
}

/** Decoded messages of one fetch of one partition, each batch with the position after it. */
interface Entry {
  split: number;
  batches: { batch: RecordBatch; next: string }[];
  /** Position once the whole entry is consumed (past trailing bad or filtered messages too). */
  next: string;
}

const STALE_METADATA = new Set([
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "UNKNOWN_TOPIC_OR_PARTITION",
]);
const RECONNECT = new Set([
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSBrokerNotFound",
  "KafkaJSConnectionClosedError",
  "KafkaJSConnectionError",
  "KafkaJSRequestTimeoutError",
]);

/**
 * Reads a topic's partitions p with p % parallelism == subtask. A background loop fetches only
 * while fewer than `bufferBatches` decoded batches wait (pull-based backpressure: a full buffer
 * means no fetch is in flight, so memory stays at about bufferBatches + one fetch response), and
 * decodes each partition's messages as they arrive. Offsets are committed only by commit(), which
 * the executor calls once a checkpoint holds them. A subtask that gets no partition ends at once.
 */
export class KafkaSource implements Source {
  readonly output: StreamInfo;
  private readonly cluster: InternalCluster;
  private readonly offsets: PartitionOffsets;
  private readonly deadLetters: DeadLetters;
  private readonly decoder: Decoder;
  /** A table's tombstones (null values) become deletes of their keys; null when not a table. */
  private readonly tombstones: TombstoneDecoder | null;
  private mine: number[] = [];
  private readonly fetchAt = new Map<number, string>();
  private readonly delivered = new Map<number, string>();
  private readonly highWatermark = new Map<number, bigint>();
  private readonly lastData = new Map<number, number>();
  private readonly queue: Entry[] = [];
  private current: { entry: Entry; i: number } | null = null;
  private dataWaiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private closed = false;
  private loop: Promise<void> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private openedAt = 0;
  /** Each partition's end when the source opened: a table is loaded once it has read this far. */
  private endAtOpen = new Map<number, bigint>();
  private readonly decodeSeconds: { inc(seconds: number): void };
  private readonly messagesRead: { inc(messages: number): void };

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly ctx: ConnectorContext,
  ) {
    this.output = { schema: config.schema, timeField: config.timeField };
    const clientId = `sabot-${ctx.jobName}-${ctx.name}-${ctx.subtask}`;
    this.cluster = internalCluster(config.connection, clientId, ctx.log);
    this.offsets = new PartitionOffsets(this.cluster, config.topic, config.groupId);
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
    await this.cluster.connect();
    const all = await this.offsets.partitions(this.config.connection.brokers);
    this.mine = all.filter((p) => p % this.ctx.parallelism === this.ctx.subtask);
    this.ctx.metrics.kafkaPartitions.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic },
      all.length,
    );
    await this.deadLetters.open();
    const start = await this.startOffsets(from);
    for (const p of this.mine) {
      this.fetchAt.set(p, start.get(p)!);
      this.delivered.set(p, start.get(p)!);
    }
    this.endAtOpen = new Map([...(await this.offsets.list(this.mine, "latest"))].map(([p, o]) => [p, BigInt(o)]));
    this.openedAt = Date.now();
    this.ctx.log.info(
      {
        topic: this.config.topic,
        partitions: this.mine,
        start: Object.fromEntries(start),
        groupId: this.config.groupId,
      },
      "kafka source opened",
    );
    await this.refreshLag();
    this.lagTimer = setInterval(() => void this.refreshLag(), this.config.lagIntervalMs);
    this.lagTimer.unref();
    this.loop = this.fetchLoop();
  }

  /** From a checkpoint where there is one (new partitions: earliest), else by startingOffsets. */
  private async startOffsets(from?: SourcePosition): Promise<Map<number, string>> {
    const earliest = await this.offsets.list(this.mine, "earliest");
    if (from) return new Map(this.mine.map((p) => [p, from[String(p)] ?? earliest.get(p)!]));
    if (this.config.startingOffsets === "earliest") return earliest;
    if (this.config.startingOffsets === "latest") return this.offsets.list(this.mine, "latest");
    const committed = await this.offsets.committed(this.mine);
    return new Map(this.mine.map((p) => [p, committed.get(p) ?? earliest.get(p)!]));
  }

  async next(): Promise<SourceBatch | null> {
    for (;;) {
      const cur = this.current;
      if (cur) {
        const { entry } = cur;
        const item = entry.batches[cur.i++];
        const last = cur.i >= entry.batches.length;
        this.deliver(entry.split, last ? entry.next : item.next);
        if (last) this.current = null;
        this.updateLag(entry.split);
        return { batch: item.batch, split: entry.split };
      }
      const entry = this.queue.shift();
      if (entry) {
        this.roomWaiter?.();
        if (entry.batches.length > 0) this.current = { entry, i: 0 };
        else {
          this.deliver(entry.split, entry.next);
          this.updateLag(entry.split);
        }
        continue;
      }
      if (this.closed || this.mine.length === 0) return null;
      await new Promise<void>((r) => (this.dataWaiter = r));
      this.dataWaiter = null;
    }
  }

  /** Moves a partition's position; the offsets passed count as messages consumed (lag's unit). */
  private deliver(split: number, next: string): void {
    const before = this.delivered.get(split);
    if (before !== undefined && BigInt(next) > BigInt(before))
      this.messagesRead.inc(Number(BigInt(next) - BigInt(before)));
    this.delivered.set(split, next);
  }

  private async fetchLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (this.queue.length >= this.config.bufferBatches) {
        await new Promise<void>((r) => (this.roomWaiter = r));
        this.roomWaiter = null;
        continue;
      }
      try {
        await this.cluster.refreshMetadataIfNecessary();
        const byLeader = this.cluster.findLeaderForPartitions(this.config.topic, this.mine);
        await Promise.all(Object.entries(byLeader).map(([nodeId, parts]) => this.fetchFrom(nodeId, parts)));
        failures = 0;
      } catch (err) {
        if (this.closed) break;
        await this.recover(err as Error & { type?: string; partition?: number });
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
      }
    }
  }

  private async fetchFrom(nodeId: string, parts: number[]): Promise<void> {
    const broker = await this.cluster.findBroker({ nodeId });
    const { responses } = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime: this.config.fetchMaxWaitMs,
      minBytes: 1,
      maxBytes: this.config.fetchMaxBytes,
      topics: [
        {
          topic: this.config.topic,
          partitions: parts.map((p) => ({
            partition: p,
            fetchOffset: this.fetchAt.get(p)!,
            maxBytes: this.config.partitionMaxBytes,
          })),
        },
      ],
    });
    for (const t of responses) for (const data of t.partitions) if (!this.closed) await this.take(data);
  }

  /** Filters, decodes and queues what one partition returned. */
  private async take(data: FetchedPartition): Promise<void> {
    const p = data.partition;
    const { messages, next } = readableMessages(this.fetchAt.get(p)!, data);
    this.highWatermark.set(p, BigInt(data.highWatermark));
    // Nothing at all: caught up. Only aborted messages or control records: move past them.
    if (next === null) return;
    // Decoding runs on the subtask's event loop but outside its busy time: the autoscaler adds it.
    const t0 = performance.now();
    const entry = await this.decode(p, messages, next);
    this.decodeSeconds.inc((performance.now() - t0) / 1000);
    this.fetchAt.set(p, next);
    this.queue.push(entry);
    if (entry.batches.length > 0) this.lastData.set(p, Date.now());
    this.dataWaiter?.();
  }

  private async decode(split: number, messages: FetchedMessage[], next: string): Promise<Entry> {
    const entry: Entry = { split, batches: [], next };
    const bad: Bad[] = [];
    const used = this.checkHeaders(withinSize(messages, this.config.maxRecordBytes, bad), bad);
    // A table's values and tombstones are decoded in runs, in offset order: a key's delete must
    // land after the rows before it and before the rows after it.
    const runs = this.tombstones ? runsOf(used) : [used];
    for (let r = 0; r < runs.length; r++) {
      const end = r + 1 < runs.length ? runs[r + 1][0].offset : next;
      this.decodeRun(entry, runs[r], end, bad);
    }
    bad.sort((a, b) => (BigInt(a.message.offset) < BigInt(b.message.offset) ? -1 : 1));
    await this.deadLetters.report(this.config.topic, split, bad);
    return entry;
  }

  /** Messages whose headers the decoder accepts (a tombstone has no value for headers to describe). */
  private checkHeaders(messages: FetchedMessage[], bad: Bad[]): FetchedMessage[] {
    const check = this.decoder.checkHeaders?.bind(this.decoder);
    if (!check) return messages;
    return messages.filter((m, index) => {
      const problem = m.value === null && this.tombstones ? null : check(m.headers);
      if (problem) bad.push({ message: m, bad: { index, ...problem } });
      return !problem;
    });
  }

  /**
   * Decodes messages that are all values or (of a table) all tombstones; `end` is the position
   * after the run. A batch's position must not pass a message whose rows come in a later batch:
   * a checkpoint taken between the two would skip them on restore.
   */
  private decodeRun(entry: Entry, run: FetchedMessage[], end: string, bad: Bad[]): void {
    const tombstones = this.tombstones && run[0].value === null ? this.tombstones : null;
    const decode = (ms: FetchedMessage[]) =>
      tombstones ? tombstones.decode(ms.map((m) => m.key)) : this.decoder.decode(ms.map((m) => m.value));
    if (this.config.format === "arrow") {
      // One message can hold several batches: each batch's position is exact per message.
      for (const m of run) {
        const res = decode([m]);
        const after = (BigInt(m.offset) + 1n).toString();
        res.batches.forEach((b, i) => {
          entry.batches.push({ batch: b, next: i === res.batches.length - 1 ? after : m.offset });
        });
        for (const b of res.bad) bad.push({ message: m, bad: b });
      }
    } else {
      const res = decode(run);
      for (const b of res.batches) entry.batches.push({ batch: b, next: end });
      for (const b of res.bad) bad.push({ message: run[b.index], bad: b });
    }
  }

  private async recover(err: Error & { type?: string; partition?: number }): Promise<void> {
    const log = this.ctx.log;
    if (err.name === "KafkaJSOffsetOutOfRange" && err.partition !== undefined) {
      // The data at our offset is gone (retention) or not there yet: restart where the policy says.
      const which = this.config.startingOffsets === "latest" ? "latest" : "earliest";
      const reset = (await this.offsets.list([err.partition], which)).get(err.partition)!;
      log.warn(
        { partition: err.partition, from: this.fetchAt.get(err.partition), to: reset },
        `offset out of range, reset to ${which}`,
      );
      this.fetchAt.set(err.partition, reset);
      return;
    }
    if (STALE_METADATA.has(err.type ?? "") || RECONNECT.has(err.name)) {
      log.info({ err: err.message }, "kafka metadata is stale, refreshing");
      await this.cluster.refreshMetadata().catch(() => {});
      return;
    }
    log.error({ err }, "kafka fetch failed; retrying");
  }

  lag(): number {
    let total = 0;
    for (const [p, hw] of this.highWatermark) {
      const at = this.delivered.get(p);
      if (at !== undefined && hw > BigInt(at)) total += Number(hw - BigInt(at));
    }
    return total;
  }

  private updateLag(p: number): void {
    const hw = this.highWatermark.get(p);
    const at = this.delivered.get(p);
    if (hw === undefined || at === undefined) return;
    const lag = hw > BigInt(at) ? Number(hw - BigInt(at)) : 0;
    this.ctx.metrics.consumerLag.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic, partition: String(p) },
      lag,
    );
  }

  /** High watermarks from the brokers: fetch responses carry them too, but not while we are backpressured. */
  private async refreshLag(): Promise<void> {
    try {
      const latest = await this.offsets.list(this.mine, "latest");
      for (const [p, hw] of latest) {
        this.highWatermark.set(p, BigInt(hw));
        this.updateLag(p);
      }
    } catch (err) {
      this.ctx.log.debug({ err }, "reading high watermarks failed");
    }
  }

  /**
   * True once next() has returned everything that was in the topic when the source opened. A
   * lookup join's table is complete then: an executor can load it this far before it starts the
   * stream it enriches.
   */
  caughtUp(): boolean {
    return this.mine.every((p) => BigInt(this.delivered.get(p) ?? "0") >= (this.endAtOpen.get(p) ?? 0n));
  }

  /** Decoded fetch results waiting for next() (for tests and diagnostics). */
  bufferedEntries(): number {
    return this.queue.length;
  }

  idleSplits(nowMs: number): number[] {
    const idle = this.config.idleTimeoutMs;
    if (idle === null) return [];
    const queued = new Set(this.queue.map((e) => e.split));
    if (this.current) queued.add(this.current.entry.split);
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
    await this.offsets.commit(
      new Map(Object.entries(position).flatMap(([p, o]) => (mine.has(Number(p)) ? [[Number(p), o]] : []))),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.roomWaiter?.();
    this.dataWaiter?.();
    await this.loop?.catch(() => {});
    await this.deadLetters.close();
    await this.cluster.disconnect();
  }
}
