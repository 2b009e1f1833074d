import type { Sink } from "../connectors/connector.js";
import type { Logger } from "../log.js";
import type { JobPlan, SinkNode } from "../planner/plan.js";
import type { Dataflow } from "./dataflow.js";
import { SinkQueue } from "./sink-queue.js";

/** A sink of the task: its buffer and the connector behind it. */
export interface TaskSink {
  name: string;
  queue: SinkQueue;
  sink: Sink;
}

/** Every sink of a task, each behind a bounded SinkQueue fed by the sink's input stream. */
export class TaskSinks {
  readonly byName = new Map<string, TaskSink>();
  private readonly queues: SinkQueue[] = [];

  constructor(
    plan: JobPlan,
    flow: Dataflow,
    create: (node: SinkNode) => Sink,
    bufferRows: number,
    written: (sink: string, rows: number) => void,
  ) {
    for (const s of plan.sinks) {
      const sink = create(s);
      const queue = new SinkQueue(s.name, sink, bufferRows, (n) => written(s.name, n));
      flow.connect(s.input, { onBatch: (b) => queue.push(b), onWatermark: () => {} });
      this.byName.set(s.name, { name: s.name, queue, sink });
      this.queues.push(queue);
    }
  }

  all(): IterableIterator<TaskSink> {
    return this.byName.values();
  }

  queue(name: string): SinkQueue {
    return this.byName.get(name)!.queue;
  }

  /**
   * Sinks open first: an exactly-once sink's open() fences the crashed run's transaction and
   * tells which checkpoint's output it committed last, which bounds the restore.
   */
  async open(): Promise<void> {
    for (const q of this.queues) await q.open();
  }

  /** Throws the first sink's failure, if any. */
  check(): void {
    for (const q of this.queues) {
      const err = q.error();
      if (err) throw err;
    }
  }

  /** Writes and flushes what is buffered, then closes every sink. */
  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }

  /** Drops what is buffered and aborts every sink: nothing more becomes visible. */
  async abort(log: Logger, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    await Promise.all(
      this.queues.map((q) =>
        withTimeout(q.abort(), timeoutMs).catch((err: unknown) => log.warn({ err }, "aborting a sink failed")),
      ),
    );
  }
}

/** `p`, or a rejection once `ms` have passed (a connector that hangs on close). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms)) return p;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}
