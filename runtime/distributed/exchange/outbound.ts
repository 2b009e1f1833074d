import type { RecordBatch } from "apache-arrow";
import type { StreamConsumer } from "../../engine/dataflow.js";
import type { Barrier, ExchangeOutput } from "../../engine/exchange-ports.js";
import type { Partitioner } from "./partitioner.js";

/** The sending side of a connection to one receiving subtask (in-process or over gRPC). */
export interface Link {
  /** Whether the receiver accepted the connection (credits may arrive). */
  readonly ready: boolean;
  sendData(edge: number, batch: RecordBatch): void;
  sendWatermark(edge: number, watermark: number): void;
  sendEnd(edge: number): void;
  sendBarrier(edge: number, barrier: Barrier): void;
}

type Item =
  | { kind: "batch"; batch: RecordBatch }
  | { kind: "watermark"; watermark: number }
  | { kind: "end" }
  | { kind: "barrier"; barrier: Barrier };

/**
 * One edge's channel to one receiving subtask, with credit-based flow control: a data frame may
 * go out only while the receiver has granted a credit for it (one credit = one batch the receiver
 * has room for), so what is in flight is bounded by the receiver. What cannot go out yet waits
 * here; `pendingRows` is what the producer checks before reading more (see ExchangeSender).
 * Watermarks and barriers need no credit but stay behind the data queued before them.
 */
export class OutboundChannel {
  private readonly queue: Item[] = [];
  private credits = 0;
  pendingRows = 0;
  rowsSent = 0;
  private ended = false;
  private roomWaiters: (() => void)[] = [];

  constructor(
    readonly edge: number,
    private readonly link: Link,
    private readonly maxPendingRows: number,
  ) {}

  pushBatch(batch: RecordBatch): void {
    if (this.ended) throw new Error(`exchange edge ${this.edge}: batch after end of stream`);
    this.queue.push({ kind: "batch", batch });
    this.pendingRows += batch.numRows;
    this.pump();
  }

  pushWatermark(watermark: number): void {
    const last = this.queue[this.queue.length - 1];
    // Only the newest watermark matters while older ones wait behind data.
    if (last?.kind === "watermark") last.watermark = watermark;
    else this.queue.push({ kind: "watermark", watermark });
    this.pump();
  }

  pushBarrier(barrier: Barrier): void {
    if (this.ended) return; // an ended channel counts as aligned for every later barrier
    this.queue.push({ kind: "barrier", barrier });
    this.pump();
  }

  pushEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.push({ kind: "end" });
    this.pump();
  }

  grant(credits: number): void {
    this.credits += credits;
    this.pump();
  }

  hasRoom(): boolean {
    return this.pendingRows < this.maxPendingRows;
  }

  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((r) => this.roomWaiters.push(r));
  }

  /** Everything queued has been handed to the link (end included when pushed). */
  flushed(): boolean {
    return this.queue.length === 0;
  }

  /** Sends what credits allow; called on every push, grant and when the link becomes ready. */
  pump(): void {
    if (!this.link.ready) return;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.kind === "batch") {
        if (this.credits === 0) break;
        this.credits--;
        this.queue.shift();
        this.pendingRows -= head.batch.numRows;
        this.rowsSent += head.batch.numRows;
        this.link.sendData(this.edge, head.batch);
      } else {
        this.queue.shift();
        if (head.kind === "watermark") this.link.sendWatermark(this.edge, head.watermark);
        else if (head.kind === "barrier") this.link.sendBarrier(this.edge, head.barrier);
        else this.link.sendEnd(this.edge);
      }
    }
    if (this.roomWaiters.length > 0 && this.hasRoom()) {
      const w = this.roomWaiters;
      this.roomWaiters = [];
      for (const r of w) r();
    }
  }

  /** Releases waiters when the run is torn down. */
  abort(): void {
    this.queue.length = 0;
    this.pendingRows = 0;
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of w) r();
  }
}

/**
 * What an edge sends instead of its stream's rows (a ProjectingKeyBy): `project` gives the rows
 * for a batch, or null while it holds them to fold with later ones; `held` gives those held, which
 * must go before a watermark at `watermark` (undefined: before a barrier or the end).
 */
export interface EdgeProjection {
  project(batch: RecordBatch): RecordBatch | null;
  held(watermark?: number): RecordBatch | null;
}

/**
 * The sending end of one exchange edge in one subtask: a StreamConsumer on the edge's stream that
 * splits every batch by owning subtask and queues the parts on that subtask's channel. The chain
 * runs synchronously, so it cannot wait here; producers call waitForRoom() before they read or
 * process the next batch, which is how a slow receiver slows the sources.
 */
export class ExchangeSender implements StreamConsumer, ExchangeOutput {
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(
    readonly edge: number,
    private readonly partitioner: Partitioner,
    readonly channels: OutboundChannel[],
    /** Largest frame: a credit stands for at most this many rows, which bounds what is in flight. */
    private readonly frameRows: number,
    /** What crosses instead of the stream's rows (fewer columns, partial aggregates): see EdgeProjection. */
    private readonly projection?: EdgeProjection,
  ) {}

  onBatch(batch: RecordBatch): void {
    const out = this.projection ? this.projection.project(batch) : batch;
    if (out) this.send(out);
  }

  /** Rows the projection held that must go before a watermark at `watermark`, a barrier or the end. */
  private sendHeld(watermark?: number): void {
    const held = this.projection?.held(watermark);
    if (held) this.send(held);
  }

  private send(batch: RecordBatch): void {
    const parts = this.partitioner.split(batch);
    const max = this.frameRows;
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j];
      if (!part) continue;
      if (part.numRows <= max) this.channels[j].pushBatch(part);
      else for (let at = 0; at < part.numRows; at += max) this.channels[j].pushBatch(part.slice(at, at + max));
    }
  }

  onWatermark(watermark: number): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    this.sendHeld(watermark);
    for (const c of this.channels) c.pushWatermark(watermark);
  }

  end(): void {
    this.sendHeld();
    for (const c of this.channels) c.pushEnd();
  }

  barrier(b: Barrier): void {
    this.sendHeld();
    for (const c of this.channels) c.pushBarrier(b);
  }

  hasRoom(): boolean {
    return this.channels.every((c) => c.hasRoom());
  }

  async waitForRoom(): Promise<void> {
    for (const c of this.channels) await c.waitForRoom();
  }

  rowsSent(): number {
    return this.channels.reduce((s, c) => s + c.rowsSent, 0);
  }
}
