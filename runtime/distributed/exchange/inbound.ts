import type { RecordBatch, Schema } from "apache-arrow";
import type { StreamConsumer } from "../../engine/dataflow.js";
import type { Barrier, ExchangeInput, InputHooks } from "../../engine/exchange-ports.js";

export type InboundItem =
  | { kind: "batch"; from: number; batch: RecordBatch; grant: () => void }
  | { kind: "watermark"; from: number; watermark: number }
  | { kind: "barrier"; from: number; barrier: Barrier }
  | { kind: "end"; from: number };

/**
 * The receiving end of one exchange edge in one subtask: one channel from every sending subtask,
 * merged in arrival order (each channel's own order is kept). A batch is handed to the operator
 * only when everything downstream has room, and its credit goes back to the sender only after the
 * operator has processed it, so a slow downstream stops granting and the senders stop sending.
 *
 * The input watermark is the minimum over the channels (a channel that sent none holds it at
 * -Infinity); a channel that ended counts as +Infinity, except after a stop-with-savepoint
 * barrier: that end means "stopped here", not "no more event time", so open windows stay open.
 * Once every channel ended, the input ends.
 *
 * Barrier alignment: a channel that delivered a checkpoint barrier is blocked — what arrives on it
 * afterwards is held, unprocessed and without returning credits, so its sender soon stops — until
 * the barrier has arrived on every input channel of the operator (see BarrierAligner) and
 * release() is called. This is why a checkpoint under backpressure takes as long as the data
 * queued ahead of its barriers takes to drain.
 */
export class ExchangeReceiver implements ExchangeInput {
  private queue: InboundItem[] = [];
  private readonly watermarks: number[];
  private readonly ended: boolean[];
  private readonly blocked: boolean[];
  private readonly held: InboundItem[][];
  private readonly stopped: boolean[];
  private endedCount = 0;
  private current = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  rowsReceived = 0;

  constructor(
    readonly edge: number,
    /** Schema of the edge's stream (to decode frames with). */
    readonly schema: Schema,
    readonly senders: number,
    private readonly port: StreamConsumer,
    private readonly hooks: InputHooks,
  ) {
    this.watermarks = new Array<number>(senders).fill(Number.NEGATIVE_INFINITY);
    this.ended = new Array<boolean>(senders).fill(false);
    this.blocked = new Array<boolean>(senders).fill(false);
    this.stopped = new Array<boolean>(senders).fill(false);
    this.held = Array.from({ length: senders }, () => []);
  }

  push(item: InboundItem): void {
    this.queue.push(item);
    this.wake?.();
  }

  abort(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  /** Unblocks channel `from`: what it held is processed before anything that arrived later. */
  release(from: number): void {
    if (!this.blocked[from]) return;
    this.blocked[from] = false;
    const held = this.held[from];
    this.held[from] = [];
    if (held.length > 0) this.queue = [...held, ...this.queue];
    this.wake?.();
  }

  /** Processes items until every channel ended; rejects when aborted or an operator throws. */
  async run(): Promise<void> {
    while (this.endedCount < this.senders) {
      if (this.failure) throw this.failure;
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      if (this.blocked[item.from]) {
        this.held[item.from].push(item);
        continue;
      }
      if (item.kind === "batch") {
        const t0 = performance.now();
        await this.hooks.waitForRoom();
        if (this.failure) throw this.failure;
        const t1 = performance.now();
        this.port.onBatch(item.batch);
        this.rowsReceived += item.batch.numRows;
        this.hooks.backpressured((t1 - t0) / 1000);
        this.hooks.busy((performance.now() - t1) / 1000);
        item.grant();
      } else if (item.kind === "watermark") {
        if (item.watermark > this.watermarks[item.from]) {
          this.watermarks[item.from] = item.watermark;
          this.advance();
        }
      } else if (item.kind === "barrier") {
        if (item.barrier.stop) this.stopped[item.from] = true;
        this.blocked[item.from] = true;
        this.hooks.barrier(this.edge, item.from, item.barrier);
      } else if (!this.ended[item.from]) {
        this.ended[item.from] = true;
        this.endedCount++;
        if (!this.stopped[item.from]) {
          this.watermarks[item.from] = Number.POSITIVE_INFINITY;
          this.advance();
        }
        this.hooks.ended(this.edge, item.from);
      }
    }
  }

  private advance(): void {
    let min = Number.POSITIVE_INFINITY;
    for (const w of this.watermarks) if (w < min) min = w;
    if (min <= this.current) return;
    this.current = min;
    const t0 = performance.now();
    this.port.onWatermark(min);
    this.hooks.busy((performance.now() - t0) / 1000);
  }
}

/**
 * The receiving side of one attempt in one worker: its receivers by edge. Links (local or gRPC)
 * deliver into it; `credits` is how many batches each channel may have in flight.
 */
export class Inbox {
  constructor(
    readonly jobName: string,
    readonly attempt: number,
    readonly receivers: Map<number, ExchangeReceiver>,
    readonly credits: number,
    /** Called when a connection from a sender breaks before it ended all its edges. */
    readonly fail: (err: Error) => void,
  ) {}

  deliver(edge: number, item: InboundItem): void {
    const r = this.receivers.get(edge);
    if (!r) throw new Error(`exchange frame for unknown edge ${edge}: workers run different job versions`);
    r.push(item);
  }

  abort(err: Error): void {
    for (const r of this.receivers.values()) r.abort(err);
  }
}
