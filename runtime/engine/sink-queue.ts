import type { RecordBatch } from "apache-arrow";
import type { Sink } from "../connectors/connector.js";

/**
 * A bounded buffer in front of a sink with its own writer loop. The chain of synchronous
 * operators pushes into it; sources wait (`hasRoom`) while any sink's buffer is full, which is how
 * a slow sink slows the sources instead of growing memory.
 */
/** A checkpoint's cut in a sink's stream: `run` is called once every batch before it is written. */
interface Barrier {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class SinkQueue {
  private readonly queue: (RecordBatch | Barrier)[] = [];
  private rows = 0;
  private wake: (() => void) | null = null;
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  private failure: Error | null = null;
  private readonly done: Promise<void>;
  written = 0;

  constructor(
    readonly name: string,
    private readonly sink: Sink,
    private readonly maxRows: number,
    private readonly onWritten: (rows: number) => void,
  ) {
    this.done = this.loop();
  }

  open(): Promise<void> {
    return this.sink.open();
  }

  push(batch: RecordBatch): void {
    if (this.failure) throw this.failure;
    if (batch.numRows === 0) return;
    this.queue.push(batch);
    this.rows += batch.numRows;
    this.wake?.();
  }

  /**
   * Runs `run` in the writer loop after every batch pushed so far is written and before any batch
   * pushed later (a checkpoint's cut, for sinks that commit in two phases).
   */
  barrier(run: () => Promise<void>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      this.wake?.();
    });
  }

  hasRoom(): boolean {
    return this.rows < this.maxRows;
  }

  /** Resolves once the buffer is below its limit. */
  waitForRoom(): Promise<void> {
    if (this.hasRoom() || this.failure) return Promise.resolve();
    return new Promise((r) => this.roomWaiters.push(r));
  }

  /** Waits until everything pushed so far is written and flushed by the sink. */
  async drain(): Promise<void> {
    while (this.rows > 0 && !this.failure) await new Promise<void>((r) => this.roomWaiters.push(r));
    if (this.failure) throw this.failure;
    await this.sink.flush();
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    this.wake?.();
    await this.done;
    await this.sink.close();
  }

  /** Drops what is buffered and aborts the sink (see Sink.abort): nothing more becomes visible. */
  async abort(): Promise<void> {
    this.failure ??= new Error(`sink "${this.name}" was aborted`);
    for (const b of this.queue) if (!("numRows" in b)) b.reject(this.failure);
    this.queue.length = 0;
    this.rows = 0;
    this.closed = true;
    this.wake?.();
    this.releaseWaiters();
    await (this.sink.abort ? this.sink.abort() : this.sink.close());
  }

  error(): Error | null {
    return this.failure;
  }

  private async loop(): Promise<void> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch && !("numRows" in batch)) {
        await batch.run().then(batch.resolve, batch.reject);
        continue;
      }
      if (!batch) {
        this.releaseWaiters();
        if (this.closed) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      try {
        await this.sink.write(batch);
      } catch (err) {
        this.failure = new Error(`sink "${this.name}" failed: ${(err as Error).message}`, { cause: err });
        for (const b of this.queue) if (!("numRows" in b)) b.reject(this.failure);
        this.releaseWaiters();
        return;
      }
      this.rows -= batch.numRows;
      this.written += batch.numRows;
      this.onWritten(batch.numRows);
      if (this.hasRoom()) this.releaseWaiters();
    }
  }

  private releaseWaiters(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of w) r();
  }
}
