import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { MetricsSummary } from "../../../runtime/contract/rpc/messages.js";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import type { FieldSpec, StepSpec } from "../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../runtime/kernels/hash.js";
import { columnsOf } from "../../../runtime/types/column.js";
import { batchRows, type Row } from "../../helpers/collecting-sink.js";
import { testEnv } from "../../helpers/env.js";
import { createTopic, useTestKafka } from "../../helpers/kafka.js";
import { uniqueName } from "../../helpers/names.js";
import { seededRng } from "../../helpers/random.js";
import { runJob } from "../../helpers/run-job.js";
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TIMEOUT_MS,
  rssBytes,
  sleep,
  type TestCluster,
  useTestClusters,
} from "./cluster.js";

/**
 * Real processes on 127.0.0.1 (one coordinator, N workers, as pods would run) against the test
 * environment's Kafka. Input: JSON records with unique ids, produced round-robin to 4 partitions
 * (record id lives in partition id % 4 at offset floor(id / 4)).
 */

const ROOT = new URL("../../../", import.meta.url).pathname;
const PARTITIONS = 4;
const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "key", type: "utf8" },
  { name: "v", type: "int64" },
  { name: "ts", type: "timestamp[ms]", nullable: false },
];
const T0 = Date.UTC(2026, 0, 1);

interface Input {
  topic: string;
  count: number;
  rows: { id: number; key: string | null; v: number | null; ts: number }[];
}

const k = useTestKafka();
const brokers = () => testEnv().kafka.brokers;
const newCluster = useTestClusters();

/** Seeded records: 200 keys (some null), values with nulls, event times a little out of order. */
async function produceInput(prefix: string, count: number, seed: number): Promise<Input> {
  const topic = await createTopic(k.admin, prefix, PARTITIONS);
  const rng = seededRng(seed);
  const rows = Array.from({ length: count }, (_, id) => ({
    id,
    key: rng.chance(0.01) ? null : `k${rng.int(0, 199)}`,
    v: rng.chance(0.05) ? null : rng.int(-1000, 1000),
    ts: T0 + id * 5 - rng.int(0, 300),
  }));
  const producer = k.kafka.producer();
  await producer.connect();
  for (let at = 0; at < count; at += 5000) {
    const chunk = rows.slice(at, at + 5000);
    await producer.send({
      topic,
      messages: chunk.map((r) => ({ partition: r.id % PARTITIONS, value: JSON.stringify({ ...r, ts: r.ts }) })),
    });
  }
  await producer.disconnect();
  return { topic, count, rows };
}

function manifest(
  name: string,
  input: Input,
  groupId: string,
  pipeline: StepSpec[],
  outDir: string,
): StreamJobManifest {
  return {
    name,
    spec: {
      sources: {
        events: {
          kafka: {
            bootstrapServers: brokers(),
            topic: input.topic,
            groupId,
            startingOffsets: "committed",
            format: "json",
          },
          schema: FIELDS,
          eventTime: { field: "ts", maxOutOfOrderness: "1s", idleTimeout: "1s" },
        },
      },
      pipeline: [{ from: "events", ...pipeline[0] }, ...pipeline.slice(1), { to: "out" }],
      sinks: { out: { files: { path: outDir, format: "arrow", rollInterval: "500ms" } } },
      restartStrategy: { maxRestarts: 3, initialBackoff: "200ms", maxBackoff: "1s" },
    },
  };
}

/** Rows of every committed output file, each tagged with the subtask that wrote it (file name). */
function readOutput(dir: string): (Row & { subtask: number })[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".arrow"));
  } catch {
    return [];
  }
  return names.flatMap((f) => {
    const subtask = Number(/^part-(\d+)-/.exec(f)![1]);
    return tableFromIPC(readFileSync(join(dir, f))).batches.flatMap((b) =>
      batchRows(b).map((r) => ({ ...r, subtask })),
    );
  });
}

/** Kafka lag per partition as the workers' heartbeats carry it (the coordinator's web UI shows it). */
const partitionLag = (m: MetricsSummary) => m.workers.flatMap((w) => w.metrics.partitionLag ?? []);

/**
 * Starts coordinator + workers, waits until `count` records were read and every partition's lag
 * is reported, stops gracefully; returns the metrics summary of that moment.
 */
async function runToCompletion(
  c: TestCluster,
  file: string,
  parallelism: number,
  count: number,
): Promise<MetricsSummary> {
  await c.startCoordinator(file, parallelism);
  for (let i = 0; i < parallelism; i++) c.startWorker(`worker-${i}`);
  const m = await c.waitForMetrics(
    (x) => x.total.recordsIn >= count && partitionLag(x).length >= PARTITIONS,
    60_000,
    `${count} records read`,
  );
  await c.client!.stopJob("test: input consumed");
  const s = await c.waitForStatus((x) => x.state === "STOPPED", 60_000, "STOPPED");
  expect(s.delivery).toBe("at-least-once");
  return m;
}

const sortKey = (r: Row) => JSON.stringify([r.key, r.window_start, r.n, r.total, r.lo, r.hi]);

describe("distributed execution on loopback", () => {
  it("a keyed windowed aggregation gives the same result with parallelism 1 and 4, and every key stays in its key group's subtask", async () => {
    const input = await produceInput("dist-agg", 20_000, 5);
    const pipeline: StepSpec[] = [
      { keyBy: ["key"] },
      {
        window: { type: "tumbling", size: "10s" },
        aggregate: ["count(*) AS n", "sum(v) AS total", "min(v) AS lo", "max(v) AS hi"],
      },
      { select: ["key", "window_start", "n", "total", "lo", "hi"] },
    ];
    const results: (Row & { subtask: number })[][] = [];
    let lastOut = "";
    for (const p of [1, 4]) {
      const c = newCluster();
      const out = join(c.dir, "out");
      lastOut = out;
      const m = await runToCompletion(
        c,
        c.writeManifest("agg", manifest(`agg-p${p}`, input, uniqueName("agg"), pipeline, out)),
        p,
        input.count,
      );
      // Each partition's lag once, from the worker reading it.
      const lag = partitionLag(m);
      expect(lag.map((l) => l.partition).sort()).toEqual(["0", "1", "2", "3"]);
      for (const l of lag) expect(l).toMatchObject({ source: "events", topic: input.topic, lag: expect.any(Number) });
      results.push(readOutput(out));
      c.killAll();
    }
    // Independent reference, row at a time.
    const ref = new Map<string, Row>();
    for (const r of input.rows) {
      const start = Math.floor((r.ts - T0) / 10_000) * 10_000 + T0;
      const k = `${r.key}|${start}`;
      const g = ref.get(k) ?? { key: r.key, window_start: start, n: 0, total: null, lo: null, hi: null };
      g.n = (g.n as number) + 1;
      if (r.v !== null) {
        g.total = ((g.total as number | null) ?? 0) + r.v;
        g.lo = g.lo === null ? r.v : Math.min(g.lo as number, r.v);
        g.hi = g.hi === null ? r.v : Math.max(g.hi as number, r.v);
      }
      ref.set(k, g);
    }
    const strip = (rows: (Row & { subtask: number })[]) => rows.map(({ subtask: _, ...r }) => sortKey(r)).sort();
    const expected = [...ref.values()].map(sortKey).sort();
    expect(strip(results[0])).toEqual(expected);
    expect(strip(results[1])).toEqual(expected);

    // Key groups: the subtask that wrote a key's rows is the one that owns the key's group.
    const p4 = results[1];
    expect(new Set(p4.map((r) => r.subtask)).size).toBe(4);
    const dir = lastOut;
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".arrow"))) {
      const subtask = Number(/^part-(\d+)-/.exec(f)![1]);
      for (const b of tableFromIPC(readFileSync(join(dir, f))).batches) {
        const groups = keyGroups(hashRows([columnsOf(b)[0]], b.numRows), 128);
        for (const g of groups) expect(subtaskForKeyGroup(g, 4, 128)).toBe(subtask);
      }
    }
  });

  it("kill -9 of a worker: the coordinator notices within the heartbeat timeout, restarts, and no record is lost", async () => {
    const input = await produceInput("dist-kill", 40_000, 6);
    const c = newCluster({ SABOT_TEST_SINK_ROWS_PER_SEC: "3000" });
    const out = join(c.dir, "out");
    const file = c.writeManifest(
      "kill",
      manifest("kill", input, uniqueName("kill"), [{ keyBy: ["key"] }, { select: ["id", "key"] }], out),
    );
    await c.startCoordinator(file, 4);
    for (let i = 0; i < 4; i++) c.startWorker(`worker-${i}`);
    await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING");
    await c.waitForMetrics((m) => m.total.recordsOut >= 5000, 60_000, "some output");
    const victim = c.workers.get("worker-2")!;
    const killedAt = Date.now();
    victim.kill("SIGKILL");
    const noticed = await c.waitForStatus(
      (s) => s.attempt >= 2 || s.state === "RESTARTING" || s.state === "WAITING_FOR_WORKERS",
      30_000,
      "the failure to be noticed",
    );
    const noticedAfter = Date.now() - killedAt;
    expect(noticedAfter).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 1000);
    console.info(`kill -9: restart noticed after ${noticedAfter} ms`);
    expect(noticed.restarts).toBe(1);
    // As Kubernetes would, start the worker again; the coordinator then redeploys.
    await c.exitOf(victim);
    c.startWorker("worker-2");
    await c.waitForStatus((s) => s.attempt === 2 && s.state === "RUNNING", 60_000, "attempt 2 running");
    await c.waitForMetrics(
      (m) => m.attempt === 2 && m.total.recordsIn >= input.count,
      60_000,
      "attempt 2 read everything",
    );
    await c.client!.stopJob("test: input consumed");
    const final = await c.waitForStatus((s) => s.state === "STOPPED", 90_000, "STOPPED");
    expect(final.restarts).toBe(1);
    expect(final.delivery).toBe("at-least-once");
    const seen = new Set(readOutput(out).map((r) => r.id as number));
    const missing = input.rows.filter((r) => !seen.has(r.id));
    expect(missing.length).toBe(0);
  });

  it("SIGTERM to every process: all exit 0 within the grace period and committed offsets cover exactly what reached the sink", async () => {
    // Several Kafka fetches per partition, so the stop lands in the middle of the input.
    const input = await produceInput("dist-term", 200_000, 7);
    const c = newCluster({ SABOT_TEST_SINK_ROWS_PER_SEC: "10000" });
    const out = join(c.dir, "out");
    const groupId = uniqueName("term");
    const file = c.writeManifest(
      "term",
      manifest("term", input, groupId, [{ keyBy: ["key"] }, { select: ["id", "key"] }], out),
    );
    await c.startCoordinator(file, 4);
    for (let i = 0; i < 4; i++) c.startWorker(`worker-${i}`);
    await c.waitForMetrics((m) => m.total.recordsOut >= 20_000, 60_000, "some output");
    const termAt = Date.now();
    for (const p of c.processes) p.kill("SIGTERM");
    const exits = await Promise.all(c.processes.map((p) => c.exitOf(p)));
    for (const e of exits) {
      expect(e).toMatchObject({ code: 0, signal: null });
      expect(e.at - termAt).toBeLessThan(20_000);
    }
    const written = readOutput(out).map((r) => r.id as number);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(input.count);
    const offsets = await k.admin.fetchOffsets({ groupId, topics: [input.topic] });
    const committed = new Map(offsets[0].partitions.map((p) => [p.partition, Number(p.offset)]));
    // Every record that reached the sink is below its partition's committed offset...
    for (const id of written) expect(Math.floor(id / PARTITIONS)).toBeLessThan(committed.get(id % PARTITIONS)!);
    // ...and every record below a committed offset reached the sink (nothing skipped).
    const seen = new Set(written);
    const covered = input.rows.filter((r) => Math.floor(r.id / PARTITIONS) < committed.get(r.id % PARTITIONS)!);
    expect(covered.filter((r) => !seen.has(r.id)).length).toBe(0);
    const slowest = Math.max(...exits.map((e) => e.at - termAt));
    console.info(
      `SIGTERM: all ${exits.length} processes exited 0 within ${slowest} ms; ${seen.size} of ${input.count} records written, offsets committed up to ${covered.length}`,
    );
  });

  it("backpressure: with a sink throttled to 20,000 rows/s per worker and a fast generator, every worker stays under 320 MiB RSS", async () => {
    // Workers talk mTLS (the default): OpenSSL's buffers under traffic add ~10-30 MiB over plaintext
    // (measured 263-285 MiB peaks with mTLS, 252-255 MiB without, on a loaded 2-core machine).
    const RSS_CAP = 320 * 2 ** 20;
    // A heap limit as a pod's memory limit would set; without one V8 grows the heap lazily
    // (garbage, not data: RSS is flat with forced GCs) towards a limit derived from host memory.
    const c = newCluster({
      SABOT_TEST_SINK: "discard",
      SABOT_TEST_SINK_ROWS_PER_SEC: "20000",
      NODE_OPTIONS: "--max-old-space-size=128",
    });
    const job: StreamJobManifest = {
      name: "pressure",
      spec: {
        sources: {
          bids: {
            generator: { kind: "nexmark-bid", seed: 3, count: 50_000_000, partitions: 4 },
            eventTime: { field: "dateTime" },
          },
        },
        pipeline: [{ from: "bids", keyBy: ["auction"] }, { select: ["auction", "price", "dateTime"] }, { to: "out" }],
        sinks: { out: { console: { maxRows: 0 } } },
      },
    };
    await c.startCoordinator(c.writeManifest("pressure", job), 4);
    const workers = [0, 1, 2, 3].map((i) => c.startWorker(`worker-${i}`));
    await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING");
    let peak = 0;
    const series: number[] = [];
    for (let t = 0; t < 30; t++) {
      let now = 0;
      for (const w of workers) now = Math.max(now, rssBytes(w.pid!) ?? 0);
      series.push(Math.round(now / 2 ** 20));
      peak = Math.max(peak, now);
      await sleep(200);
    }
    const m = await c.metrics();
    await c.client!.cancelJob("test over");
    expect(peak).toBeLessThan(RSS_CAP);
    // The sources read only what the slow sinks let through, plus bounded buffers.
    expect(m.total.recordsOut).toBeGreaterThan(0);
    expect(m.total.recordsIn - m.total.recordsOut).toBeLessThan(4 * 50_000);
    for (const w of m.workers) expect(w.metrics.backpressuredSeconds).toBeGreaterThan(1);
    console.info(
      `backpressure: worker RSS ${series.join(" ")} MiB; read ${m.total.recordsIn}, written ${m.total.recordsOut}, backpressured ${m.total.backpressuredSeconds.toFixed(1)} s`,
    );
  });

  it("a worker that stops heartbeating (SIGSTOP) is declared lost after the heartbeat timeout and the job restarts without it", async () => {
    const c = newCluster();
    const job: StreamJobManifest = {
      name: "hang",
      spec: {
        sources: {
          bids: {
            generator: { kind: "nexmark-bid", seed: 3, ratePerSecond: 2000, partitions: 2 },
            eventTime: { field: "dateTime" },
          },
        },
        pipeline: [{ from: "bids", keyBy: ["auction"] }, { to: "out" }],
        sinks: { out: { console: { maxRows: 0 } } },
        restartStrategy: { initialBackoff: "100ms" },
      },
    };
    await c.startCoordinator(c.writeManifest("hang", job), 2);
    const hung = c.startWorker("worker-0");
    c.startWorker("worker-1");
    await c.waitForStatus((s) => s.state === "RUNNING", 60_000, "RUNNING");
    const stoppedAt = Date.now();
    hung.kill("SIGSTOP");
    try {
      const s = await c.waitForStatus((x) => x.restarts === 1, 20_000, "the hung worker to be dropped");
      const after = Date.now() - stoppedAt;
      // The timeout runs from the last heartbeat, which came up to an interval before the stop.
      expect(after).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS);
      expect(after).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 1500);
      // Dropped for silence alone: its connections are still open (a stopped process keeps them).
      expect(s.workers.map((w) => w.workerId)).toEqual(["worker-1"]);
      c.startWorker("worker-2");
      await c.waitForStatus(
        (x) => x.attempt === 2 && x.state === "RUNNING",
        60_000,
        "attempt 2 running on the spare worker",
      );
    } finally {
      hung.kill("SIGKILL");
    }
    await c.client!.cancelJob("test over");
  });

  it("`sabot run --parallelism 2` runs a coordinator and two worker processes and writes what one process writes", async () => {
    const c = newCluster();
    const out = join(c.dir, "cli-out");
    const job: StreamJobManifest = {
      name: "cli",
      spec: {
        sources: {
          bids: {
            generator: { kind: "nexmark-bid", seed: 8, count: 200_000, partitions: 4 },
            eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
          },
        },
        pipeline: [
          { from: "bids", keyBy: ["auction"] },
          { window: { type: "tumbling", size: "2s" }, aggregate: ["max(price) AS top", "count(*) AS n"] },
          { to: "out" },
        ],
        sinks: { out: { files: { path: out, format: "arrow" } } },
      },
    };
    const file = c.writeManifest("cli", job);
    const child = spawn(process.execPath, [join(ROOT, "bin/sabot.js"), "run", file, "--parallelism", "2", "-q"], {
      cwd: ROOT,
      env: { ...process.env, SABOT_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    c.processes.push(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(stderr).toMatch(/job FINISHED/);
    expect(code).toBe(0);
    const key = (r: Row) => JSON.stringify([r.auction, r.window_start, r.top, r.n]);
    const single = await runJob({ ...job, spec: { ...job.spec, sinks: { out: { console: {} } } } });
    const got = readOutput(out).map(key).sort();
    expect(got).toEqual(single.rows.out.map(key).sort());
    expect(new Set(readOutput(out).map((r) => r.subtask))).toEqual(new Set([0, 1]));
  });
});
