import { pathToFileURL } from "node:url";
import type { RecordBatch } from "apache-arrow";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { findLatestCompleted, openCheckpointStorage } from "../../../runtime/checkpoint/index.js";
import type { Sink } from "../../../runtime/connectors/connector.js";
import { LocalJob } from "../../../runtime/engine/local-job.js";
import type { JobPlan } from "../../../runtime/planner/plan.js";
import { planManifest } from "../../../runtime/planner/validate.js";
import { batchRows, CollectingSink, type Row } from "../../helpers/collecting-sink.js";
import { tempDirEach } from "../../helpers/temp-dir.js";
import { cardWindowJob } from "../../helpers/test-jobs.js";

/**
 * The two-phase-commit protocol of local checkpoints with an in-memory transactional sink: output
 * becomes visible only when a checkpoint's commit runs, atomically with a marker naming that
 * checkpoint, and a crash between a checkpoint's manifest and its commit must neither lose that
 * checkpoint's output nor show it twice.
 */

const JOB = "two-phase";
const silent = pino({ level: "silent" });

let dir: string;
tempDirEach("sabot-2pc-", (d) => (dir = d));

function plan(count: number, rate?: number, checkpoints = true): JobPlan {
  const checkpointing = { interval: "100ms", storage: pathToFileURL(dir).href, mode: "exactly-once" as const };
  return planManifest(
    cardWindowJob({
      name: JOB,
      seed: 5,
      batchSize: 500,
      count,
      rate,
      checkpointing: checkpoints ? checkpointing : undefined,
    }),
  );
}

/** What Kafka keeps across runs: the visible (committed) rows and the last committed checkpoint. */
interface Broker {
  visible: RecordBatch[];
  marker: number | null;
  commits: number[];
}

/** A transactional sink: rows are pending until commitCheckpoint; a new instance aborts what an old one left. */
class TxnSink implements Sink {
  private pending: RecordBatch[] = [];
  private prepared: { id: number; batches: number } | null = null;

  constructor(
    private readonly broker: Broker,
    private readonly crashAtCommitOf?: { id: number; crash: () => void },
    private readonly failPrepareOf?: number,
  ) {}

  async open(): Promise<void> {}
  async write(batch: RecordBatch): Promise<void> {
    this.pending.push(batch);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.broker.visible.push(...this.pending);
    this.pending = [];
  }
  async prepareCheckpoint(id: number): Promise<void> {
    if (id === this.failPrepareOf) throw new Error("prepare failed");
    this.prepared = { id, batches: this.pending.length };
  }
  async commitCheckpoint(id: number): Promise<void> {
    if (this.crashAtCommitOf?.id === id) {
      this.crashAtCommitOf.crash();
      throw new Error("killed between the manifest and the commit");
    }
    expect(this.prepared?.id).toBe(id);
    this.broker.visible.push(...this.pending.splice(0, this.prepared!.batches));
    this.broker.marker = id;
    this.broker.commits.push(id);
    this.prepared = null;
  }
  checkpointFailed(): void {
    this.prepared = null; // its rows stay pending and go with the next checkpoint
  }
  async abort(): Promise<void> {
    this.pending = []; // an aborted transaction: never visible
    this.prepared = null;
  }
  async committedCheckpoint(): Promise<number | null> {
    return this.broker.marker;
  }
}

const key = (r: Row) => JSON.stringify([r.country, r.window_start, r.window_end, r.n, r.top]);
const visibleRows = (b: Broker) =>
  b.visible
    .flatMap((x) => batchRows(x))
    .map(key)
    .sort();

describe("two-phase-commit sinks with local checkpoints", () => {
  it("a crash between a checkpoint's manifest and its commit restores the previous checkpoint: output exactly once", async () => {
    const count = 30_000;
    const reference = new CollectingSink();
    await new LocalJob(plan(count, undefined, false), { sinks: { out: reference }, log: silent }).run();
    const expected = reference.toRows().map(key).sort();
    expect(expected.length).toBeGreaterThan(50);

    const broker: Broker = { visible: [], marker: null, commits: [] };
    let job1!: LocalJob;
    const crashAt = 4;
    job1 = new LocalJob(plan(count, 20_000), {
      sinks: { out: new TxnSink(broker, { id: crashAt, crash: () => job1.abort() }) },
      log: silent,
    });
    expect((await job1.run()).reason).toBe("aborted");
    expect(broker.commits).toEqual([1, 2, 3]);
    // The crashed checkpoint exists, but its output is not visible: restoring it would lose that output.
    const storage = openCheckpointStorage(pathToFileURL(dir).href);
    expect((await findLatestCompleted(storage, JOB))!.checkpointId).toBe(crashAt);

    const s2 = await new LocalJob(plan(count, 20_000), { sinks: { out: new TxnSink(broker) }, log: silent }).run();
    expect(s2.reason).toBe("end-of-input");
    expect(broker.commits[3]).toBeGreaterThan(crashAt); // ids go on after the skipped checkpoint
    expect(visibleRows(broker)).toEqual(expected);
  });

  it("a checkpoint that fails leaves its output pending, and the next checkpoint commits it", async () => {
    const count = 20_000;
    const reference = new CollectingSink();
    await new LocalJob(plan(count, undefined, false), { sinks: { out: reference }, log: silent }).run();
    const broker: Broker = { visible: [], marker: null, commits: [] };
    const s = await new LocalJob(plan(count, 20_000), {
      sinks: { out: new TxnSink(broker, undefined, 2) },
      log: silent,
    }).run();
    expect(s.reason).toBe("end-of-input");
    expect(broker.commits[0]).toBe(1);
    expect(broker.commits).not.toContain(2);
    expect(broker.commits[1]).toBeGreaterThan(2);
    expect(visibleRows(broker)).toEqual(reference.toRows().map(key).sort());
  });
  it("terminate() (SIGTERM) commits nothing after the latest checkpoint: the next run restores it and the output is exactly the uninterrupted result", async () => {
    const count = 30_000;
    const reference = new CollectingSink();
    await new LocalJob(plan(count, undefined, false), { sinks: { out: reference }, log: silent }).run();
    const broker: Broker = { visible: [], marker: null, commits: [] };
    const job1 = new LocalJob(plan(count, 20_000), { sinks: { out: new TxnSink(broker) }, log: silent });
    const run1 = job1.run();
    while (broker.commits.length < 2) await new Promise((r) => setTimeout(r, 10));
    job1.terminate();
    const s1 = await run1;
    expect(s1.reason).toBe("terminated");
    expect(s1.recordsIn).toBeLessThan(count);
    const storage = openCheckpointStorage(pathToFileURL(dir).href);
    // Nothing became visible without a checkpoint: the marker names the checkpoint a restart restores.
    expect(broker.marker).toBe((await findLatestCompleted(storage, JOB))!.checkpointId);

    const s2 = await new LocalJob(plan(count, 20_000), { sinks: { out: new TxnSink(broker) }, log: silent }).run();
    expect(s2.reason).toBe("end-of-input");
    expect(visibleRows(broker)).toEqual(reference.toRows().map(key).sort());
  });

  it("terminate() without exactly-once sinks is a graceful stop: open windows fire and are written", async () => {
    const sink = new CollectingSink();
    const job = new LocalJob(plan(1_000_000, 20_000, false), { sinks: { out: sink }, log: silent });
    const run = job.run();
    while (sink.toRows().length === 0) await new Promise((r) => setTimeout(r, 10));
    job.terminate();
    const s = await run;
    expect(s.reason).toBe("stopped");
    expect(s.watermark).toBe(Number.POSITIVE_INFINITY);
  });
});
