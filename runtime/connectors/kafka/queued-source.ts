import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Source, SourceBatch, SourcePosition } from "../connector.js";
import type { KafkaSourceConfig } from "./config.js";
import { PartitionDecoder } from "./partition-decoder.js";
import { PartitionQueue } from "./partition-queue.js";

/**
 * What the two Kafka sources (kafkajs: source.ts, librdkafka: rdkafka-source.ts) share: a fetch
 * loop on the client fills a PartitionQueue through a PartitionDecoder, and next(), positions,
 * lag and idleness are read from the queue. A client supplies only how it connects, fetches,
 * reads high watermarks, commits and disconnects.
 */
export abstract class QueuedKafkaSource implements Source {
  readonly output: StreamInfo;
  protected readonly decoder: PartitionDecoder;
  protected readonly queue: PartitionQueue;
  protected mine: number[] = [];
  protected closed = false;
  private loop: Promise<void> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;

  constructor(
    protected readonly config: KafkaSourceConfig,
    protected readonly ctx: ConnectorContext,
  ) {
    this.output = { schema: config.schema, timeField: config.timeField };
    this.decoder = new PartitionDecoder(config, ctx, this.clientId);
    this.queue = new PartitionQueue(ctx, config.topic);
  }

  protected get clientId(): string {
    return `sabot-${this.ctx.jobName}-${this.ctx.name}-${this.ctx.subtask}`;
  }

  abstract open(from?: SourcePosition): Promise<void>;
  abstract commit(position: SourcePosition): Promise<void>;
  /** Fetches while the queue has room, until closed. */
  protected abstract fetchLoop(): Promise<void>;
  /** Reads every partition's high watermark into the queue (the lag metric). */
  protected abstract refreshLag(): Promise<void>;
  protected abstract disconnect(): Promise<void>;

  /** Once open has set `mine` and started the queue: the lag timer and the fetch loop. */
  protected startLoops(): void {
    this.lagTimer = setInterval(() => void this.refreshLag(), this.config.lagIntervalMs);
    this.lagTimer.unref();
    this.loop = this.fetchLoop();
  }

  next(): Promise<SourceBatch | null> {
    return this.queue.next();
  }

  lag(): number {
    return this.queue.lag();
  }

  /** See PartitionQueue.caughtUp. */
  caughtUp(): boolean {
    return this.queue.caughtUp();
  }

  /** Decoded fetch results waiting for next() (for tests and diagnostics). */
  bufferedEntries(): number {
    return this.queue.size;
  }

  idleSplits(nowMs: number): number[] {
    return this.queue.idleSplits(nowMs, this.config.idleTimeoutMs);
  }

  splits(): number[] {
    return [...this.mine];
  }

  position(): SourcePosition {
    return this.queue.position();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.queue.close();
    await this.loop?.catch(() => {});
    await this.decoder.close();
    await this.disconnect();
  }
}
