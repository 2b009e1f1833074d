import type { ConnectorContext, SourceBatch, SourcePosition } from "../connector.js";
import type { DecodedRun } from "./decode-messages.js";

/**
 * What both Kafka sources (kafkajs, librdkafka) hand between their fetch loop and next(): decoded
 * runs of one partition each, in fetch order, and each partition's delivered position, high
 * watermark and lag. The fetch loop waits for room (pull-based backpressure: a full queue means no
 * fetch is in flight); next() waits for data. Offsets are strings, compared as bigints.
 */
export class PartitionQueue {
  private readonly queue: DecodedRun[] = [];
  private current: { run: DecodedRun; i: number } | null = null;
  private dataWaiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private closed = false;
  private mine: number[] = [];
  private readonly delivered = new Map<number, string>();
  private readonly highWatermark = new Map<number, bigint>();
  private readonly lastData = new Map<number, number>();
  /** Each partition's end when the source opened: a table is loaded once it has read this far. */
  private endAtOpen = new Map<number, bigint>();
  private openedAt = 0;
  private readonly messagesRead: { inc(messages: number): void };

  constructor(
    private readonly ctx: ConnectorContext,
    private readonly topic: string,
  ) {
    this.messagesRead = ctx.metrics.kafkaMessages.labels({ ...ctx.labels, source: ctx.name });
  }

  /** The source's partitions, where each starts, and each one's end at open. */
  start(mine: number[], start: Map<number, string>, endAtOpen: Map<number, bigint>): void {
    this.mine = mine;
    for (const p of mine) this.delivered.set(p, start.get(p)!);
    this.endAtOpen = endAtOpen;
    this.openedAt = Date.now();
  }

  /** Queues a decoded run and wakes next(). */
  push(run: DecodedRun): void {
    this.queue.push(run);
    if (run.batches.length > 0) this.lastData.set(run.split, Date.now());
    this.dataWaiter?.();
  }

  /** Waits while `limit` runs wait for next(); false once closed. */
  async room(limit: number): Promise<boolean> {
    while (!this.closed && this.queue.length >= limit) {
      await new Promise<void>((r) => (this.roomWaiter = r));
      this.roomWaiter = null;
    }
    return !this.closed;
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
    const before = this.delivered.get(split);
    if (before !== undefined && BigInt(next) > BigInt(before))
      this.messagesRead.inc(Number(BigInt(next) - BigInt(before)));
    this.delivered.set(split, next);
    this.updateLag(split);
  }

  setHighWatermark(p: number, hw: bigint): void {
    this.highWatermark.set(p, hw);
    this.updateLag(p);
  }

  private partitionLag(p: number): number {
    const hw = this.highWatermark.get(p);
    const at = this.delivered.get(p);
    return hw !== undefined && at !== undefined && hw > BigInt(at) ? Number(hw - BigInt(at)) : 0;
  }

  private updateLag(p: number): void {
    if (!this.highWatermark.has(p) || !this.delivered.has(p)) return;
    this.ctx.metrics.consumerLag.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.topic, partition: String(p) },
      this.partitionLag(p),
    );
  }

  lag(): number {
    let total = 0;
    for (const p of this.highWatermark.keys()) total += this.partitionLag(p);
    return total;
  }

  /**
   * True once next() has returned everything that was in the topic when the source opened. A
   * lookup join's table is complete then: an executor can load it this far before it starts the
   * stream it enriches.
   */
  caughtUp(): boolean {
    return this.mine.every((p) => BigInt(this.delivered.get(p) ?? "0") >= (this.endAtOpen.get(p) ?? 0n));
  }

  /** Decoded runs waiting for next() (for tests and diagnostics). */
  get size(): number {
    return this.queue.length;
  }

  idleSplits(nowMs: number, idleMs: number | null): number[] {
    if (idleMs === null) return [];
    const queued = new Set(this.queue.map((e) => e.split));
    if (this.current) queued.add(this.current.run.split);
    return this.mine.filter((p) => !queued.has(p) && nowMs - (this.lastData.get(p) ?? this.openedAt) > idleMs);
  }

  position(): SourcePosition {
    return Object.fromEntries([...this.delivered].map(([p, o]) => [String(p), o]));
  }

  /** Ends next() (null once drained of nothing) and the fetch loop's wait for room. */
  close(): void {
    this.closed = true;
    this.roomWaiter?.();
    this.dataWaiter?.();
  }
}
