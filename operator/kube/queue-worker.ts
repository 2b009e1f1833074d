import type { WorkQueue } from "./workqueue.js";

/** What a controller does with the keys of its queue. */
export interface KeyHandler {
  /** Handles one key; a number asks to see it again after that many ms. */
  handle(key: string): Promise<number | undefined>;
  /** The key failed; the queue retries it after `retryInMs` (rate-limited backoff). */
  failed(key: string, err: unknown, retryInMs: number): void;
  /** The key was handled (a metric). */
  succeeded?(key: string): void;
  /** Starts timing one key; the returned function ends it (a metric). */
  startTimer?(): () => void;
}

/**
 * One worker of a controller: takes keys until the queue shuts down. A key is never handled by
 * two workers at once (the queue holds it until `done`); a failure backs off per key.
 */
export async function workQueueLoop(queue: WorkQueue, h: KeyHandler): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const end = h.startTimer?.();
    try {
      const again = await h.handle(key);
      queue.forget(key);
      h.succeeded?.(key);
      if (again !== undefined) queue.addAfter(key, again);
    } catch (err) {
      h.failed(key, err, queue.addRateLimited(key));
    } finally {
      end?.();
      queue.done(key);
    }
  }
}
