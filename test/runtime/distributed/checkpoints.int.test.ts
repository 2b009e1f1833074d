import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { testEnv } from "../../helpers/env.js";
import { createTopic, numberedKafkaSource, produceNumbered, useTestKafka } from "../../helpers/kafka.js";
import { uniqueName } from "../../helpers/names.js";
import { seededRng } from "../../helpers/random.js";
import { readCommittedValues } from "../../helpers/read-committed.js";
import { sleep, type TestCluster, useTestClusters } from "./cluster.js";

/**
 * Checkpoints of distributed jobs with real processes on 127.0.0.1 and real Kafka: exactly-once
 * output while workers are killed with SIGKILL at random moments, and rescaling 2 → 4 → 1 through
 * savepoints taken with the CLI. Input: numbered records `id` with event time T0 + id ms, produced
 * round-robin to 4 partitions; the job counts and sums ids per (id % 20, 1 s window).
 */

const ROOT = new URL("../../../", import.meta.url).pathname;
const PARTITIONS = 4;
const BUCKETS = 20;
const T0 = Date.UTC(2026, 0, 1);

const k = useTestKafka();
const brokers = () => testEnv().kafka.brokers;
const newCluster = useTestClusters();

const produce = (topic: string, from: number, to: number) =>
  produceNumbered(k.kafka, topic, { from, to }, { partitions: PARTITIONS, t0: T0 });

function job(
  name: string,
  input: string,
  output: string,
  mode: "exactly-once" | "at-least-once",
  storage: string,
): StreamJobManifest {
  return {
    name,
    spec: {
      sources: {
        nums: numberedKafkaSource(brokers(), input),
      },
      pipeline: [
        { from: "nums", select: ["id % 20 AS bucket", "id", "ts"] },
        { keyBy: ["bucket"] },
        { window: { type: "tumbling", size: "1s" }, aggregate: ["count(*) AS n", "sum(id) AS total", "min(id) AS lo"] },
        { select: ["bucket", "window_start", "n", "total", "lo"] },
        { to: "out" },
      ],
      sinks: { out: { kafka: { bootstrapServers: brokers(), topic: output, format: "json" } } },
      checkpointing: { interval: "500ms", storage, mode, retain: 3 },
      restartStrategy: { maxRestarts: 10, initialBackoff: "200ms", maxBackoff: "1s" },
    },
  };
}

/** The expected output rows for ids [0, n), as sorted JSON strings. */
function reference(n: number): string[] {
  const groups = new Map<string, { bucket: number; start: number; n: number; total: number; lo: number }>();
  for (let id = 0; id < n; id++) {
    const start = T0 + Math.floor(id / 1000) * 1000;
    const k = `${id % BUCKETS}|${start}`;
    const g = groups.get(k) ?? { bucket: id % BUCKETS, start, n: 0, total: 0, lo: id };
    g.n++;
    g.total += id;
    groups.set(k, g);
  }
  return [...groups.values()].map((g) => JSON.stringify([g.bucket, g.start, g.n, g.total, g.lo])).sort();
}

/** What a read_committed consumer (Kafka's Java client) sees in the topic, as sorted JSON strings. */
function readCommitted(topic: string): string[] {
  return readCommittedValues(brokers(), topic)
    .map((v) => {
      const r = JSON.parse(v) as { bucket: number; window_start: number; n: number; total: number; lo: number };
      return JSON.stringify([r.bucket, r.window_start, r.n, r.total, r.lo]);
    })
    .sort();
}

/** Waits until the job's sources have committed (at a completed checkpoint) every input offset. */
async function caughtUp(c: TestCluster, jobName: string, topic: string, total: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  let committed = 0;
  for (;;) {
    const offsets = await k.admin.fetchOffsets({ groupId: `sabot-${jobName}-nums`, topics: [topic] });
    committed = offsets[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    if (committed === total) return;
    if (Date.now() > deadline)
      throw new Error(`the job did not catch up: ${committed} of ${total} offsets committed\n${c.logTail()}`);
    await sleep(250);
  }
}

async function killingRun(mode: "exactly-once" | "at-least-once", seed: number) {
  const N = 120_000;
  const input = await createTopic(k.admin, `chk-${mode}-in`, PARTITIONS);
  const output = await createTopic(k.admin, `chk-${mode}-out`, 2);
  const c = newCluster();
  const storage = pathToFileURL(join(c.dir, "checkpoints")).href;
  const name = uniqueName("chk");
  const file = c.writeManifest("job", job(name, input, output, mode, storage));
  await c.startCoordinator(file, 2);
  for (let i = 0; i < 2; i++) c.startWorker(`worker-${i}`);
  await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING");
  // A live stream: 120,000 records over about 12 s while workers are killed.
  const producing = (async () => {
    for (let at = 0; at < N; at += 10_000) {
      await produce(input, at, at + 10_000);
      await sleep(800);
    }
  })();
  const rng = seededRng(seed);
  const kills: string[] = [];
  for (let k = 0; k < 3; k++) {
    await c.waitForStatus(
      (s) => s.state === "RUNNING" && s.checkpointsCompleted > 0,
      60_000,
      "running with a checkpoint",
    );
    await sleep(700 + rng.int(0, 1500));
    const id = `worker-${rng.int(0, 1)}`;
    const victim = c.workers.get(id)!;
    victim.kill("SIGKILL");
    kills.push(`${id}@${Date.now()}`);
    await c.exitOf(victim);
    await sleep(300); // as a kubelet would, start it again
    c.startWorker(id);
  }
  await producing;
  await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING after the last kill");
  await caughtUp(c, name, input, N);
  await c.client!.stopJob("test: input consumed");
  const final = await c.waitForStatus((s) => s.state === "STOPPED", 60_000, "STOPPED");
  const expected = reference(N);
  const got = readCommitted(output);
  console.info(
    `${mode}: ${kills.length} kills, ${final.restarts} restarts, ${final.checkpointsCompleted} checkpoints in the last attempt; ${got.length} rows for ${expected.length} expected`,
  );
  return { final, expected, got };
}

/**
 * A live exactly-once run during which `terminate` sends SIGTERM (a graceful stop, not a kill) to
 * one process mid-stream and starts its replacement, as Kubernetes would after deleting a pod;
 * then the input is finished and the job stopped. Returns what a read_committed reader sees.
 */
async function terminatingRun(prefix: string, terminate: (c: TestCluster, file: string) => Promise<void>) {
  const N = 60_000;
  const input = await createTopic(k.admin, `${prefix}-in`, PARTITIONS);
  const output = await createTopic(k.admin, `${prefix}-out`, 2);
  const c = newCluster();
  const storage = pathToFileURL(join(c.dir, "checkpoints")).href;
  const name = uniqueName(prefix);
  const file = c.writeManifest("job", job(name, input, output, "exactly-once", storage));
  await c.startCoordinator(file, 2);
  for (let i = 0; i < 2; i++) c.startWorker(`worker-${i}`);
  await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING");
  // About 6 s of live input: the SIGTERM lands between checkpoints with windows open and output pending.
  const producing = (async () => {
    for (let at = 0; at < N; at += 10_000) {
      await produce(input, at, at + 10_000);
      await sleep(800);
    }
  })();
  await c.waitForStatus((s) => s.state === "RUNNING" && s.checkpointsCompleted > 1, 60_000, "running with checkpoints");
  await sleep(700);
  await terminate(c, file);
  await producing;
  await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING after the SIGTERM");
  await caughtUp(c, name, input, N);
  await c.client!.stopJob("test: input consumed");
  const final = await c.waitForStatus((s) => s.state === "STOPPED", 60_000, "STOPPED");
  return { final, expected: reference(N), got: readCommitted(output) };
}

describe("distributed checkpoints with real processes", () => {
  it("a read_committed reader sees every aggregate exactly once after workers are killed at random moments (exactly-once)", async () => {
    const { final, expected, got } = await killingRun("exactly-once", 3);
    expect(final.delivery).toBe("exactly-once");
    expect(final.restarts).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(expected);
  }, 240_000);

  it("loses no aggregate after workers are killed at random moments (at-least-once: repeats allowed)", async () => {
    const { final, expected, got } = await killingRun("at-least-once", 4);
    expect(final.delivery).toBe("at-least-once");
    expect([...new Set(got)].sort()).toEqual(expected);
    expect(got.length).toBeGreaterThanOrEqual(expected.length);
  }, 240_000);

  it("restores with parallelism 2 → 4 → 1 from savepoints taken with `sabot savepoint --stop`, giving an uninterrupted run's result", async () => {
    const N = 90_000;
    const input = await createTopic(k.admin, "chk-rescale-in", PARTITIONS);
    const output = await createTopic(k.admin, "chk-rescale-out", 2);
    const c = newCluster();
    const storage = pathToFileURL(join(c.dir, "checkpoints")).href;
    const name = uniqueName("rescale");
    const file = c.writeManifest("job", job(name, input, output, "exactly-once", storage));
    let restoreFrom = "";
    const savepoints: string[] = [];
    // Each parallelism gets a third of the input and is stopped part-way through it.
    for (const [i, p] of [2, 4].entries()) {
      await produce(input, (i * N) / 3, ((i + 1) * N) / 3);
      await c.startCoordinator(file, p, restoreFrom ? ["--restore-from", restoreFrom] : []);
      for (let i = 0; i < p; i++) c.startWorker(`p${p}-worker-${i}`);
      await c.waitForStatus((s) => s.state === "RUNNING", 60_000, `RUNNING with ${p}`);
      await c.waitForMetrics((m) => m.total.recordsIn >= 10_000, 60_000, "10,000 records read");
      const cli = spawnSync(
        process.execPath,
        // The job's client certificate, as an operator or a user with the job's client Secret holds it.
        [
          join(ROOT, "bin/sabot.js"),
          "savepoint",
          c.client!.address,
          "--stop",
          "--timeout",
          "60s",
          "--tls-dir",
          c.tlsDirs.client,
        ],
        { encoding: "utf8", timeout: 90_000 },
      );
      expect(cli.status, cli.stderr).toBe(0);
      restoreFrom = cli.stdout.trim();
      savepoints.push(restoreFrom);
      const stopped = await c.waitForStatus((s) => s.state === "STOPPED", 60_000, "STOPPED with a savepoint");
      expect(stopped.message).toContain(restoreFrom);
      await Promise.all([...c.workers.values()].map((w) => c.exitOf(w)));
    }
    expect(savepoints[0]).toMatch(/\/sp-\d+$/);
    await produce(input, (2 * N) / 3, N);
    await c.startCoordinator(file, 1, ["--restore-from", restoreFrom]);
    c.startWorker("p1-worker-0");
    await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING with 1");
    expect((await c.status()).restoredFrom).toBe(restoreFrom);
    await caughtUp(c, name, input, N);
    await c.client!.stopJob("test: input consumed");
    await c.waitForStatus((s) => s.state === "STOPPED", 60_000, "STOPPED");
    const expected = reference(N);
    expect(readCommitted(output)).toEqual(expected);
  }, 240_000);
  it("a worker stopped by SIGTERM and replaced under the same id leaves exactly-once output without duplicates or gaps", async () => {
    const { final, expected, got } = await terminatingRun("chk-term-worker", async (c) => {
      const victim = c.workers.get("worker-1")!;
      victim.kill("SIGTERM");
      expect(await c.exitOf(victim)).toMatchObject({ code: 0, signal: null });
      c.startWorker("worker-1"); // as a StatefulSet would, under the same id
    });
    expect(final.delivery).toBe("exactly-once");
    expect(final.attempt).toBeGreaterThanOrEqual(2);
    expect(final.restarts).toBe(0); // a worker leaving is not a failure
    expect(got).toEqual(expected);
  }, 240_000);

  it("a coordinator stopped by SIGTERM and started again restores its latest checkpoint without duplicating exactly-once output", async () => {
    const { final, expected, got } = await terminatingRun("chk-term-coord", async (c, file) => {
      const old = c.coordinator!;
      const workers = [...c.workers.values()];
      old.kill("SIGTERM");
      expect(await c.exitOf(old)).toMatchObject({ code: 0, signal: null });
      for (const w of workers) await c.exitOf(w);
      await c.startCoordinator(file, 2);
      for (let i = 0; i < 2; i++) c.startWorker(`worker-${i}`);
      const restored = await c.waitForStatus(
        (s) => s.state === "RUNNING",
        60_000,
        "RUNNING after the coordinator restart",
      );
      expect(restored.restoredFrom).toMatch(/\/chk-\d+$/);
    });
    expect(final.delivery).toBe("exactly-once");
    expect(got).toEqual(expected);
  }, 240_000);
});
