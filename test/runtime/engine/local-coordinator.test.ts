import { readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RecordBatch } from "apache-arrow";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  findLatestCompleted,
  listCheckpoints,
  MANIFEST_NAME,
  type Manifest,
  openCheckpointStorage,
} from "../../../runtime/checkpoint/index.js";
import { LocalJob, type RunSummary } from "../../../runtime/engine/local-job.js";
import type { JobPlan } from "../../../runtime/planner/plan.js";
import { planManifest } from "../../../runtime/planner/validate.js";
import { batchRows, CollectingSink, type Row } from "../../helpers/collecting-sink.js";
import { tempDirEach } from "../../helpers/temp-dir.js";
import { cardWindowJob } from "../../helpers/test-jobs.js";

/**
 * Checkpoints and recovery of single-process jobs. The job: card transactions from a generator
 * (2 splits), keyed by country, in 200 ms tumbling windows. The generator's jitter (< 300 ms) is
 * within maxOutOfOrderness, so no record is ever late and a window's result does not depend on how
 * the input was batched or when the window fired: runs at different rates, with or without a
 * restart, must give identical windows.
 */

const JOB = "chk-test";
const WINDOW = "pipeline[1].window";
const silent = pino({ level: "silent" });

let dir: string;
tempDirEach("sabot-local-chk-", (d) => (dir = d));

function plan(opts: {
  count?: number;
  rate?: number;
  interval?: string;
  retain?: number;
  checkpoints?: boolean;
}): JobPlan {
  const checkpointing = { interval: opts.interval ?? "150ms", storage: pathToFileURL(dir).href, retain: opts.retain };
  return planManifest(
    cardWindowJob({
      name: JOB,
      seed: 3,
      batchSize: 1000,
      count: opts.count,
      rate: opts.rate,
      aggregate: ["count(*) AS n", "max(amount) AS top", "min(amount) AS low"],
      checkpointing: opts.checkpoints === false ? undefined : checkpointing,
    }),
  );
}

/** A sink that takes its time, so output waits in the sink buffer as it would for a slow Kafka. */
class SlowSink extends CollectingSink {
  constructor(private readonly delayMs: number) {
    super();
  }
  override async write(batch: RecordBatch): Promise<void> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    await super.write(batch);
  }
}

function start(p: JobPlan, sinkDelayMs = 0): { job: LocalJob; sink: CollectingSink; done: Promise<RunSummary> } {
  const sink = sinkDelayMs > 0 ? new SlowSink(sinkDelayMs) : new CollectingSink();
  const job = new LocalJob(p, { sinks: { out: sink }, log: silent });
  return { job, sink, done: job.run() };
}

async function completedCount(job: LocalJob, result = "completed"): Promise<number> {
  const m = await job.metrics.checkpoints.get();
  return m.values.filter((v) => v.labels.result === result).reduce((s, v) => s + v.value, 0);
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const rowKey = (r: Row) => JSON.stringify([r.country, r.window_start, r.window_end, r.n, r.top, r.low]);
const sorted = (rows: Row[]) => rows.map(rowKey).sort();

function cutWatermark(m: Manifest): number {
  return Number(m.operators[WINDOW].subtasks[0].meta.watermark);
}

const recorded = (m: Manifest) => Object.values(m.sources.tx).reduce((s, v) => s + Number(v), 0);

/**
 * Crashes a checkpointed run after `checkpoints` checkpoints, optionally damages the storage,
 * restarts on the same spec and checks the result against an uninterrupted run.
 *
 * The property: let W be the window operator's watermark in the checkpoint the restart restores.
 * Windows ending at or before W fired before that checkpoint's cut, are not in its state, and were
 * flushed to the sink before its manifest was written; the restart never fires them again. Every
 * other window is fired by the restart, from restored state plus input re-read from the recorded
 * positions. So (run-1 rows with window_end <= W) + (run-2 rows) must equal the uninterrupted
 * run's rows exactly, as multisets: nothing lost, nothing counted twice. Run-1 rows after the cut
 * (window_end > W) are duplicates the restart re-emits with identical values (at-least-once).
 */
async function crashAndRecover(count: number, damage?: (latest: Manifest) => Promise<void>): Promise<void> {
  const reference = start(plan({ count, checkpoints: false }));
  const refSummary = await reference.done;
  expect(refSummary.lateRecords).toBe(0);
  const expected = reference.sink.toRows();
  expect(expected.length).toBeGreaterThan(50);

  // Slow sink: each checkpoint must wait for the output of windows that fired before its cut.
  const run1 = start(plan({ count, rate: 20_000 }), 150);
  await until("four checkpoints", async () => (await completedCount(run1.job)) >= 4);
  run1.job.abort();
  // What a kill leaves: the rows the sink had written; the rest of its buffer is lost.
  const rows1 = run1.sink.batches.slice().flatMap((b) => batchRows(b));
  expect((await run1.done).reason).toBe("aborted");

  const storage = openCheckpointStorage(pathToFileURL(dir).href);
  if (damage) await damage((await findLatestCompleted(storage, JOB))!);
  const restoredFrom = (await findLatestCompleted(storage, JOB))!;
  const w = cutWatermark(restoredFrom);
  const offset = recorded(restoredFrom);
  expect(offset).toBeGreaterThan(0);
  expect(offset).toBeLessThan(count);

  const run2 = start(plan({ count, rate: 20_000 }));
  const s2 = await run2.done;
  expect(s2.reason).toBe("end-of-input");
  // Resumed from the recorded positions: only the rest of the input was read.
  expect(s2.recordsIn).toBe(count - offset);
  expect(s2.lateRecords).toBe(0);

  const rows2 = run2.sink.toRows();
  const beforeCut = rows1.filter((r) => (r.window_end as number) <= w);
  // The crash fell where it matters: windows had fired before the cut and others were open in it.
  expect(beforeCut.length).toBeGreaterThan(0);
  expect(restoredFrom.operators[WINDOW].subtasks[0].files.length).toBeGreaterThan(0);
  expect(rows2.filter((r) => (r.window_end as number) <= w)).toEqual([]);
  expect(sorted([...beforeCut, ...rows2])).toEqual(sorted(expected));
  const again = new Set(rows2.map(rowKey));
  for (const r of rows1.filter((r) => (r.window_end as number) > w)) expect(again.has(rowKey(r))).toBe(true);
}

describe("checkpoints of single-process jobs", () => {
  it("takes checkpoints periodically and keeps the newest `retain`", async () => {
    const { job, done } = start(plan({ rate: 50_000, interval: "100ms", retain: 2 }));
    await until("five checkpoints", async () => (await completedCount(job)) >= 5);
    job.stop();
    await done;
    const storage = openCheckpointStorage(pathToFileURL(dir).href);
    const all = await listCheckpoints(storage, JOB);
    expect(all.filter((c) => c.complete).length).toBe(2);
    expect(all.every((c) => c.complete)).toBe(true);
    const newest = all[0].manifest!;
    expect(all[0].id).toBeGreaterThanOrEqual(5);
    expect(newest.parallelism).toBe(1);
    expect(newest.maxParallelism).toBe(128);
    expect(Object.keys(newest.operators)).toEqual([WINDOW]);
    expect(Number(newest.sources.tx["0"])).toBeGreaterThan(0);
    const files = await readdir(join(dir, JOB, `chk-${newest.checkpointId}`), { recursive: true });
    expect(files).toContain(MANIFEST_NAME);
    expect(files.some((f) => f.endsWith(".arrow"))).toBe(true);
    expect(await completedCount(job, "failed")).toBe(0);
  });

  it("recovers after a crash without losing or double-counting a window", async () => {
    await crashAndRecover(80_000);
  });

  it("falls back to the previous checkpoint when the latest has lost its manifest", async () => {
    await crashAndRecover(80_000, async (latest) => {
      await rm(join(dir, JOB, `chk-${latest.checkpointId}`, MANIFEST_NAME));
      const storage = openCheckpointStorage(pathToFileURL(dir).href);
      const previous = await findLatestCompleted(storage, JOB);
      expect(previous!.checkpointId).toBeLessThan(latest.checkpointId);
    });
  });

  it("counts failed checkpoints while the storage is unreachable and goes on", async () => {
    const { job, done } = start(plan({ rate: 50_000, interval: "100ms" }));
    await until("a checkpoint", async () => (await completedCount(job)) >= 1);
    // The job's folder becomes a file: every write fails until it is a folder again.
    await rename(join(dir, JOB), join(dir, "away"));
    await writeFile(join(dir, JOB), "not a folder");
    await until("two failed checkpoints", async () => (await completedCount(job, "failed")) >= 2);
    await rm(join(dir, JOB));
    await rename(join(dir, "away"), join(dir, JOB));
    const before = await completedCount(job);
    await until("checkpoints again", async () => (await completedCount(job)) >= before + 2);
    job.stop();
    expect((await done).reason).toBe("stopped");
  });
});
