import type { ConnectorContext, SourcePosition } from "../connector.js";
import { type FetchedPartition, type InternalCluster, internalCluster, READ_COMMITTED } from "./client.js";
import type { KafkaSourceConfig } from "./config.js";
import { readableMessages } from "./fetched-batch.js";
import { PartitionOffsets } from "./offsets.js";
import { QueuedKafkaSource } from "./queued-source.js";

const STALE_METADATA = new Set([
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "UNKNOWN_TOPIC_OR_PARTITION",
]);
const RECONNECT = new Set([
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSBrokerNotFound",
  "KafkaJSConnectionClosedError",
  "KafkaJSConnectionError",
  "KafkaJSRequestTimeoutError",
]);

/**
 * Reads a topic's partitions p with p % parallelism == subtask. A background loop fetches only
 * while fewer than `bufferBatches` decoded runs wait (pull-based backpressure, PartitionQueue: a
 * full queue means no fetch is in flight, so memory stays at about bufferBatches + one fetch
 * response), and decodes each partition's messages as they arrive (PartitionDecoder). Offsets are
 * committed only by commit(), which the executor calls once a checkpoint holds them. A subtask
 * that gets no partition ends at once.
 */
export class KafkaSource extends QueuedKafkaSource {
  private readonly cluster: InternalCluster;
  private readonly offsets: PartitionOffsets;
  private readonly fetchAt = new Map<number, string>();

  constructor(config: KafkaSourceConfig, ctx: ConnectorContext) {
    super(config, ctx);
    const clientId = this.clientId;
    this.cluster = internalCluster(config.connection, clientId, ctx.log);
    this.offsets = new PartitionOffsets(this.cluster, config.topic, config.groupId);
  }

  async open(from?: SourcePosition): Promise<void> {
    await this.cluster.connect();
    const all = await this.offsets.partitions(this.config.connection.brokers);
    this.mine = all.filter((p) => p % this.ctx.parallelism === this.ctx.subtask);
    this.ctx.metrics.kafkaPartitions.set(
      { job_name: this.ctx.jobName, source: this.ctx.name, topic: this.config.topic },
      all.length,
    );
    await this.decoder.open();
    const start = await this.startOffsets(from);
    for (const p of this.mine) this.fetchAt.set(p, start.get(p)!);
    const end = await this.offsets.list(this.mine, "latest");
    this.queue.start(this.mine, start, new Map([...end].map(([p, o]) => [p, BigInt(o)])));
    this.ctx.log.info(
      {
        topic: this.config.topic,
        partitions: this.mine,
        start: Object.fromEntries(start),
        groupId: this.config.groupId,
      },
      "kafka source opened",
    );
    await this.refreshLag();
    this.startLoops();
  }

  /** From a checkpoint where there is one (new partitions: earliest), else by startingOffsets. */
  private async startOffsets(from?: SourcePosition): Promise<Map<number, string>> {
    const earliest = await this.offsets.list(this.mine, "earliest");
    if (from) return new Map(this.mine.map((p) => [p, from[String(p)] ?? earliest.get(p)!]));
    if (this.config.startingOffsets === "earliest") return earliest;
    if (this.config.startingOffsets === "latest") return this.offsets.list(this.mine, "latest");
    const committed = await this.offsets.committed(this.mine);
    return new Map(this.mine.map((p) => [p, committed.get(p) ?? earliest.get(p)!]));
  }

  protected async fetchLoop(): Promise<void> {
    let failures = 0;
    while (await this.queue.room(this.config.bufferBatches)) {
      try {
        await this.cluster.refreshMetadataIfNecessary();
        const byLeader = this.cluster.findLeaderForPartitions(this.config.topic, this.mine);
        await Promise.all(Object.entries(byLeader).map(([nodeId, parts]) => this.fetchFrom(nodeId, parts)));
        failures = 0;
      } catch (err) {
        if (this.closed) break;
        await this.recover(err as Error & { type?: string; partition?: number });
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
      }
    }
  }

  private async fetchFrom(nodeId: string, parts: number[]): Promise<void> {
    const broker = await this.cluster.findBroker({ nodeId });
    const { responses } = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime: this.config.fetchMaxWaitMs,
      minBytes: 1,
      maxBytes: this.config.fetchMaxBytes,
      topics: [
        {
          topic: this.config.topic,
          partitions: parts.map((p) => ({
            partition: p,
            fetchOffset: this.fetchAt.get(p)!,
            maxBytes: this.config.partitionMaxBytes,
          })),
        },
      ],
    });
    for (const t of responses) for (const data of t.partitions) if (!this.closed) await this.take(data);
  }

  /** Filters, decodes and queues what one partition returned. */
  private async take(data: FetchedPartition): Promise<void> {
    const p = data.partition;
    const { messages, next } = readableMessages(this.fetchAt.get(p)!, data);
    this.queue.setHighWatermark(p, BigInt(data.highWatermark));
    // Nothing at all: caught up. Only aborted messages or control records: move past them.
    if (next === null) return;
    const run = await this.decoder.decode(p, messages, next);
    this.fetchAt.set(p, next);
    this.queue.push(run);
  }
  private async recover(err: Error & { type?: string; partition?: number }): Promise<void> {
    const log = this.ctx.log;
    if (err.name === "KafkaJSOffsetOutOfRange" && err.partition !== undefined) {
      // The data at our offset is gone (retention) or not there yet: restart where the policy says.
      const which = this.config.startingOffsets === "latest" ? "latest" : "earliest";
      const reset = (await this.offsets.list([err.partition], which)).get(err.partition)!;
      log.warn(
        { partition: err.partition, from: this.fetchAt.get(err.partition), to: reset },
        `offset out of range, reset to ${which}`,
      );
      this.fetchAt.set(err.partition, reset);
      return;
    }
    if (STALE_METADATA.has(err.type ?? "") || RECONNECT.has(err.name)) {
      log.info({ err: err.message }, "kafka metadata is stale, refreshing");
      await this.cluster.refreshMetadata().catch(() => {});
      return;
    }
    log.error({ err }, "kafka fetch failed; retrying");
  }

  /** High watermarks from the brokers: fetch responses carry them too, but not while we are backpressured. */
  protected async refreshLag(): Promise<void> {
    try {
      const latest = await this.offsets.list(this.mine, "latest");
      for (const [p, hw] of latest) this.queue.setHighWatermark(p, BigInt(hw));
    } catch (err) {
      this.ctx.log.debug({ err }, "reading high watermarks failed");
    }
  }

  async commit(position: SourcePosition): Promise<void> {
    const mine = new Set(this.mine);
    await this.offsets.commit(
      new Map(Object.entries(position).flatMap(([p, o]) => (mine.has(Number(p)) ? [[Number(p), o]] : []))),
    );
  }

  protected async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }
}
