import { type KubeConfig, type KubernetesObject, type ListPromise, makeInformer } from "@kubernetes/client-node";
import type { Logger } from "pino";

export interface WatchOptions<T extends KubernetesObject> {
  /** The watch path, e.g. /apis/apps/v1/namespaces/x/statefulsets. */
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  /** Called for every add, update and delete, and for every cached object on each resync. */
  onChange: (obj: T) => void;
  /** Re-delivers every cached object this often, so a missed event heals. */
  resyncMs: number;
  /** Delay before restarting after an error (410 Gone, connection loss), doubled up to 30 s. */
  restartDelayMs?: number;
}

/**
 * A client-node informer that keeps going: client-node's stops on a watch error (including
 * 410 Gone after a compaction) and must be started again, which re-lists.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private stopped = false;
  private resync?: NodeJS.Timeout;
  private restart?: NodeJS.Timeout;
  private delayMs: number;

  constructor(
    kc: KubeConfig,
    private readonly opts: WatchOptions<T>,
    private readonly log: Logger,
  ) {
    this.delayMs = opts.restartDelayMs ?? 500;
    this.informer = makeInformer<T>(kc, opts.path, opts.list, opts.labelSelector);
    for (const verb of ["add", "update", "delete"] as const)
      this.informer.on(verb, (obj) => {
        // Events flow again: the next failure starts from the short delay.
        this.delayMs = opts.restartDelayMs ?? 500;
        opts.onChange(obj);
      });
    this.informer.on("error", (err: unknown) => {
      if (this.stopped) return;
      this.log.warn({ err, path: opts.path, retryInMs: this.delayMs }, "watch failed; restarting the informer");
      clearTimeout(this.restart);
      this.restart = setTimeout(() => void this.startOnce(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, 30_000);
    });
  }

  async start(): Promise<void> {
    await this.startOnce();
    this.resync = setInterval(() => {
      for (const obj of this.informer.list()) this.opts.onChange(obj);
    }, this.opts.resyncMs);
  }

  private async startOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.informer.start();
    } catch (err) {
      // The initial list failed: the informer emits no error event for it, so schedule the retry here.
      this.log.warn({ err, path: this.opts.path, retryInMs: this.delayMs }, "list failed; retrying");
      clearTimeout(this.restart);
      this.restart = setTimeout(() => void this.startOnce(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, 30_000);
    }
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    clearTimeout(this.restart);
    await this.informer.stop();
  }
}
