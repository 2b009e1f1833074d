import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Source, SourceBatch, SourcePosition } from "../connector.js";
import type { GeneratorConfig } from "./config.js";
import type { KindGenerator } from "./kind.js";

/**
 * A built-in deterministic stream. The event index space is cut into `partitions` splits by
 * interleaving (split i makes events i, i + P, i + 2P, ...), and splits go round-robin to subtasks
 * (split i → subtask i % parallelism). Since event k depends only on the seed and k, the union of
 * all splits is the same events whatever the partitioning, batch size or parallelism.
 *
 * A subtask with no split (more subtasks than partitions) ends at once.
 */
export class GeneratorSource implements Source {
  readonly output: StreamInfo;
  private readonly mine: number[];
  /** Events emitted per split of this subtask (its position). */
  private readonly emitted: number[];
  private turn = 0;
  private startedAt = 0;
  private emittedSinceStart = 0;
  private readonly rate: number | null;

  constructor(
    private readonly config: GeneratorConfig,
    private readonly gen: KindGenerator,
    timeField: string,
    ctx: Pick<ConnectorContext, "subtask" | "parallelism">,
  ) {
    this.output = { schema: gen.schema, timeField };
    this.mine = [];
    for (let s = ctx.subtask; s < config.partitions; s += ctx.parallelism) this.mine.push(s);
    this.emitted = this.mine.map(() => 0);
    // This subtask's share of the source's rate.
    this.rate = config.ratePerSecond === null ? null : (config.ratePerSecond * this.mine.length) / config.partitions;
  }

  async open(from?: SourcePosition): Promise<void> {
    if (from) {
      this.mine.forEach((split, i) => {
        const at = from[String(split)];
        if (at !== undefined) this.emitted[i] = Number(at);
      });
    }
    this.startedAt = performance.now();
    this.emittedSinceStart = 0;
  }

  /** Events split i (of P) has in total: those k < count with k ≡ i (mod P). */
  private total(split: number): number {
    const { count, partitions } = this.config;
    if (count === null) return Number.POSITIVE_INFINITY;
    return split >= count ? 0 : Math.floor((count - split - 1) / partitions) + 1;
  }

  async next(): Promise<SourceBatch | null> {
    for (let tries = 0; tries < this.mine.length; tries++) {
      const i = this.turn;
      this.turn = (this.turn + 1) % this.mine.length;
      const split = this.mine[i];
      const left = this.total(split) - this.emitted[i];
      if (left <= 0) continue;
      let n = Math.min(this.config.batchSize, left);
      if (this.rate !== null) n = await this.throttle(n);
      const first = split + this.emitted[i] * this.config.partitions;
      const batch = this.gen.generate(first, this.config.partitions, n);
      this.emitted[i] += n;
      this.emittedSinceStart += n;
      return { batch, split };
    }
    return null;
  }

  /**
   * Waits until n more events are due at the configured rate. Batches are capped at about 50 ms
   * worth of events, so a slow rate gives small, timely batches rather than one batch a minute.
   */
  private async throttle(n: number): Promise<number> {
    const rate = this.rate!;
    const want = Math.max(1, Math.min(n, Math.ceil(rate / 20)));
    const dueAt = this.startedAt + ((this.emittedSinceStart + want) / rate) * 1000;
    const wait = dueAt - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return want;
  }

  /** Generated splits never go quiet. */
  idleSplits(): number[] {
    return [];
  }

  splits(): number[] {
    return [...this.mine];
  }

  position(): SourcePosition {
    const p: SourcePosition = {};
    for (const [i, split] of this.mine.entries()) p[String(split)] = String(this.emitted[i]);
    return p;
  }

  /** Nothing to make durable: a generator restarts from a checkpointed position alone. */
  async commit(): Promise<void> {}

  async close(): Promise<void> {}
}
