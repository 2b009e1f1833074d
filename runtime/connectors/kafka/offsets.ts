import type { InternalCluster } from "./client.js";

/**
 * Offsets of the partitions a source reads, straight from the brokers: earliest/latest (ListOffsets)
 * and the consumer group's committed offsets (OffsetFetch / OffsetCommit to the group coordinator).
 * Commits use generation -1 and no member id: the group is used only to store offsets (as Kafka's
 * assign() + commitSync() does), so subtasks never rebalance each other and tools like
 * kafka-consumer-groups.sh still show the job's progress and lag.
 */
export class PartitionOffsets {
  constructor(
    private readonly cluster: InternalCluster,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  /** Partition ids of the topic, sorted; throws a clear error when the topic does not exist. */
  async partitions(brokers: string[]): Promise<number[]> {
    try {
      await this.cluster.addTargetTopic(this.topic);
    } catch (err) {
      const e = err as { type?: string; message: string };
      if (e.type === "UNKNOWN_TOPIC_OR_PARTITION")
        throw new Error(`kafka topic "${this.topic}" does not exist on ${brokers.join(",")}: create it first`);
      throw err;
    }
    const meta = this.cluster.findTopicPartitionMetadata(this.topic);
    if (meta.length === 0)
      throw new Error(`kafka topic "${this.topic}" has no partitions (does it exist on ${brokers.join(",")}?)`);
    return meta.map((p) => p.partitionId).sort((a, b) => a - b);
  }

  /** Earliest (log start) or latest (high watermark) offset of each partition. */
  async list(partitions: number[], which: "earliest" | "latest"): Promise<Map<number, string>> {
    const res = await this.cluster.fetchTopicsOffset([
      {
        topic: this.topic,
        fromBeginning: which === "earliest",
        partitions: partitions.map((partition) => ({ partition })),
      },
    ]);
    const out = new Map<number, string>();
    for (const t of res) for (const p of t.partitions) out.set(p.partition, String(p.offset));
    return out;
  }

  /** The group's committed offsets; partitions without one are missing from the map. */
  async committed(partitions: number[]): Promise<Map<number, string>> {
    const coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
    const { responses } = await coordinator.offsetFetch({
      groupId: this.groupId,
      topics: [{ topic: this.topic, partitions: partitions.map((partition) => ({ partition })) }],
    });
    const out = new Map<number, string>();
    for (const t of responses) for (const p of t.partitions) if (BigInt(p.offset) >= 0n) out.set(p.partition, p.offset);
    return out;
  }

  async commit(offsets: Map<number, string>): Promise<void> {
    if (offsets.size === 0) return;
    const partitions = [...offsets].map(([partition, offset]) => ({ partition, offset }));
    for (let attempt = 0; ; attempt++) {
      try {
        const coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
        await coordinator.offsetCommit({
          groupId: this.groupId,
          groupGenerationId: -1,
          memberId: "",
          topics: [{ topic: this.topic, partitions }],
        });
        return;
      } catch (err) {
        // The coordinator may move or still be loading the group: retry those, a few times.
        if (attempt >= 4 || (err as { retriable?: boolean }).retriable !== true) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}
