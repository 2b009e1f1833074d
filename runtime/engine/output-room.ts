import type { ExchangeOutput } from "./exchange-ports.js";
import type { SinkQueue } from "./sink-queue.js";
import type { TaskSinks } from "./task-sinks.js";

/**
 * Backpressure for one producer (a source's read loop, an exchange receiver): it reads or hands
 * on the next batch only while every output it reaches through its chain (sink buffers, exchange
 * senders) has room, which is how a slow sink or receiver slows the sources instead of growing
 * memory. A sink's failure surfaces here, before the next batch.
 */
export class OutputRoom {
  constructor(
    private readonly queues: SinkQueue[],
    private readonly senders: ExchangeOutput[],
    private readonly sinks: TaskSinks,
  ) {}

  /** Null when every output has room now, so the read loop goes on without an extra await. */
  wait(): Promise<void> | null {
    for (const q of this.queues) if (!q.hasRoom()) return this.waitAll();
    for (const s of this.senders) if (!s.hasRoom()) return this.waitAll();
    this.sinks.check();
    return null;
  }

  async waitAll(): Promise<void> {
    for (const q of this.queues) await q.waitForRoom();
    for (const s of this.senders) await s.waitForRoom();
    this.sinks.check();
  }
}
