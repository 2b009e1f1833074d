import { type RecordBatch, tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { CheckpointTransactions } from "../../../../runtime/connectors/kafka/checkpoint-transactions.js";
import type { KafkaSinkConfig } from "../../../../runtime/connectors/kafka/config.js";
import { KafkaSinkBase, type KafkaSinkContext } from "../../../../runtime/connectors/kafka/kafka-sink-base.js";
import type { StreamInfo } from "../../../../runtime/types/stream-info.js";

/** The transaction bookkeeping alone: the commit takes a moment, as a broker round trip does. */
class SlowCommits extends CheckpointTransactions {
  async readMarker(): Promise<number | null> {
    return this.committed;
  }
  protected async commitWithMarker(id: number): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    this.committed = id;
  }
}

class BookkeepingSink extends KafkaSinkBase<SlowCommits> {
  async open(): Promise<void> {}
  async write(batch: RecordBatch): Promise<void> {
    await this.admit(batch);
  }
  async flush(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}

const batch = (n: number) => tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) }).batches[0];
const rows = (bs: RecordBatch[]) => bs.reduce((n, b) => n + b.numRows, 0);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

function sink(): BookkeepingSink {
  const config = {
    format: "json",
    keyColumns: [],
    topic: "t",
    maxMessageBytes: 1_000_000,
  } as unknown as KafkaSinkConfig;
  const input = { schema: batch(1).schema } as unknown as StreamInfo;
  const ctx = { jobName: "j", name: "out", subtask: 0, log: quiet, exactlyOnce: true } as unknown as KafkaSinkContext;
  return new BookkeepingSink(config, input, ctx, new SlowCommits("t", "j-out-0"));
}

describe("exactly-once Kafka sink bookkeeping", () => {
  it("keeps rows written while a checkpoint commits for the next checkpoint's recommit list", async () => {
    const s = sink();
    await s.write(batch(3));
    await s.prepareCheckpoint!(1);
    // Fired after cut 1: waits at the gate, which opens inside the commit, before commit returns.
    const late = s.write(batch(50));
    await s.commitCheckpoint!(1);
    await late;
    await s.prepareCheckpoint!(2);
    expect(rows(s.preparedOutput!())).toBe(50);
  });

  it("a failed checkpoint's rows go with the next one", async () => {
    const s = sink();
    await s.write(batch(3));
    await s.prepareCheckpoint!(1);
    s.checkpointFailed!(1);
    await s.write(batch(4));
    await s.prepareCheckpoint!(2);
    expect(rows(s.preparedOutput!())).toBe(7);
    await s.commitCheckpoint!(2);
    await s.prepareCheckpoint!(3);
    expect(rows(s.preparedOutput!())).toBe(0);
  });
});
