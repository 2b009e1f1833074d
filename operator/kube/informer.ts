import { type KubeConfig, type KubernetesObject, type ListPromise, ListWatch, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";

/**
 * `Raw`: the objects as the API server sends them; `T`: as the cache keeps them (`transform`).
 * Without a transform the two are the same type.
 */
export interface WatchOptions<T extends KubernetesObject, Raw extends KubernetesObject = T> {
  /** The watch path, e.g. /apis/apps/v1/namespaces/x/statefulsets. */
  path: string;
  list: ListPromise<Raw>;
  labelSelector?: string;
  /**
   * Applied to every object as it enters the cache (list items and watch events alike), before
   * any handler sees it: keeps only what the controller reads, so the cache does not hold
   * managedFields and whole pod templates for every object. Must keep metadata.name, namespace
   * and resourceVersion (the cache's key and its test for a changed object).
   */
  transform?: (obj: Raw) => T;
  /** Called for every add, update and delete, and for every cached object on each resync. */
  onChange: (obj: T) => void;
  /** Also called for a delete, before onChange. */
  onDelete?: (obj: T) => void;
  /** Re-delivers every cached object this often, so a missed event heals. */
  resyncMs: number;
  /** Delay before restarting after an error (410 Gone, connection loss), doubled up to 30 s. */
  restartDelayMs?: number;
}

/**
 * A client-node informer that keeps going: client-node's stops on a watch error (including
 * 410 Gone after a compaction) and must be started again, which re-lists.
 */
export class ResilientInformer<T extends KubernetesObject, Raw extends KubernetesObject = T> {
  private readonly informer: ListWatch<T>;
  private stopped = false;
  private resync?: NodeJS.Timeout;
  private restart?: NodeJS.Timeout;
  private delayMs: number;

  constructor(
    kc: KubeConfig,
    private readonly opts: WatchOptions<T, Raw>,
    private readonly log: Logger,
  ) {
    this.delayMs = opts.restartDelayMs ?? 500;
    // Without a transform Raw is T (the type parameter's default): the identity is the cast.
    const transform = opts.transform ?? ((o: Raw) => o as unknown as T);
    const list: ListPromise<T> = async () => {
      const l = await opts.list();
      return { ...l, items: l.items.map(transform) };
    };
    this.informer = new ListWatch<T>(opts.path, new TransformingWatch(kc, transform), list, false, opts.labelSelector);
    for (const verb of ["add", "update", "delete"] as const)
      this.informer.on(verb, (obj) => {
        // Events flow again: the next failure starts from the short delay.
        this.delayMs = opts.restartDelayMs ?? 500;
        if (verb === "delete") opts.onDelete?.(obj);
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

/** client-node's Watch, handing each object through `transform` before the cache stores it. */
class TransformingWatch<Raw, T> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly transform: (obj: Raw) => T,
  ) {
    super(kc);
  }

  override watch(...[path, query, callback, done]: Parameters<Watch["watch"]>): Promise<AbortController> {
    return super.watch(
      path,
      query,
      (phase, obj: unknown, raw: unknown) =>
        // ERROR carries a Status, BOOKMARK only a resourceVersion: passed on as they are.
        callback(
          phase,
          phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED" ? this.transform(obj as Raw) : obj,
          raw,
        ),
      done,
    );
  }
}
