import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { openCheckpointStorage, writeCheckpoint } from "../../runtime/checkpoint/index.js";
import { createSource } from "../../runtime/connectors/registry.js";
import { loadManifest, parseManifest } from "../../runtime/contract/spec/manifest.js";
import { coordinatorConfig } from "../../runtime/distributed/config.js";
import { CoordinatorService } from "../../runtime/distributed/coordinator/service.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { Dataflow } from "../../runtime/engine/dataflow.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { log } from "../../runtime/log.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";
import type { OperatorSnapshot } from "../../runtime/operators/operator.js";
import { planManifest } from "../../runtime/planner/validate.js";
import { CollectingSink } from "../helpers/collecting-sink.js";
import { auctionWindowJob, streamJobYaml } from "../helpers/test-jobs.js";

/**
 * One checkpoint benchmark case in a fresh process; prints one JSON line.
 * - `size <MiB>`: a windowed join holding about that much state (Nexmark auctions in a window
 *   that never closes); times the snapshot (the pause processing sees), the asynchronous write of
 *   IPC files and manifest to a local folder and the event loop's longest stall during that write
 *   (what processing, in the same thread, waits at most), and counts the bytes.
 * - `window-size <events>`: the same for a window aggregate's state after that many bids.
 * - `throughput <events>`: q7 in one process without checkpoints and with one every second.
 * - `recovery`: a coordinator here and 2 worker processes with checkpoints every second; SIGKILL one
 *   worker, start it again at once (as a kubelet would) and time the replacement's registration
 *   (process start-up), the restored attempt running, its first record and its first window.
 */
const [mode, arg] = process.argv.slice(2);
// This process runs the job, as `sabot run` would.
tuneCollectorForJobs();
const dir = mkdtempSync(join(tmpdir(), "sabot-bench-chk-"));
const storageUrl = pathToFileURL(dir).href;

/** Snapshots every operator of `flow` and writes the checkpoint: the pause, the write, its longest stall. */
async function measureCheckpoint(flow: Dataflow, maxParallelism: number) {
  const t0 = performance.now();
  const operators = new Map<string, OperatorSnapshot | null>(
    flow.runners.map((r) => [r.node.id, r.operator.snapshot()]),
  );
  const snapshotMs = performance.now() - t0;
  // Processing shares the thread with the write: its longest stall is the longest the event loop
  // was blocked while the key groups were gathered and encoded.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t1 = performance.now();
  const manifest = await writeCheckpoint(openCheckpointStorage(storageUrl), `chk-${performance.now()}`, 1, {
    operators,
    sources: {},
    parallelism: 1,
    maxParallelism,
  });
  const writeMs = performance.now() - t1;
  delay.disable();
  const files = Object.values(manifest.operators).flatMap((o) => o.subtasks.flatMap((s) => s.files));
  return {
    snapshotMs,
    writeMs,
    longestStallMs: delay.max / 1e6,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    stateRows: files.reduce((s, f) => s + f.rows, 0),
  };
}

/**
 * Runs the StreamJob `manifest` in process, feeding `source` into its operators until `enough`
 * says stop, then checkpoints them; returns the rows fed and the checkpoint's figures.
 */
async function checkpointAfterFeeding(
  manifest: string,
  source: string,
  enough: (rows: number, arrowBytes: number) => boolean,
) {
  const plan = planManifest(parseManifest(manifest));
  const labels = { job_name: "chk-size", subtask: "0" };
  const flow = new Dataflow(plan, new EngineMetrics(), labels);
  const node = plan.sources.find((s) => s.name === source)!;
  const reader = createSource(node.spec, {
    jobName: "chk-size",
    name: source,
    subtask: 0,
    parallelism: 1,
    metrics: new EngineMetrics(),
    labels,
    log,
  });
  await reader.open();
  let arrowBytes = 0;
  let rows = 0;
  while (!enough(rows, arrowBytes)) {
    const got = (await reader.next())!;
    flow.emit(source, got.batch);
    rows += got.batch.numRows;
    arrowBytes += got.batch.data.children.reduce((s, c) => s + c.byteLength, 0);
  }
  return { rows, ...(await measureCheckpoint(flow, plan.maxParallelism)) };
}

/** A windowed join holding about `targetMiB` of auctions in a window that never closes. */
async function joinSizeCase(targetMiB: number) {
  const manifest = streamJobYaml(
    "chk-size",
    `  sources:
    persons: { generator: { kind: nexmark-person, seed: 1, count: 1 }, eventTime: { field: dateTime } }
    auctions: { generator: { kind: nexmark-auction, seed: 1, batchSize: 16384 }, eventTime: { field: dateTime } }
  pipeline:
    - { from: persons, join: { with: auctions, leftKey: [id], rightKey: [seller], window: { type: tumbling, size: 1d } } }
    - to: out
  sinks: { out: { console: { maxRows: 0 } } }
`,
  );
  return {
    mode,
    targetMiB,
    ...(await checkpointAfterFeeding(manifest, "auctions", (_, bytes) => bytes >= targetMiB * 2 ** 20)),
  };
}

/** A window aggregate over `events` bids: one open (auction, bidder) slot per distinct pair. */
async function windowSizeCase(events: number) {
  const manifest = streamJobYaml(
    "chk-window",
    `  sources:
    bids: { generator: { kind: nexmark-bid, seed: 1, batchSize: 16384 }, eventTime: { field: dateTime } }
  pipeline:
    - { from: bids, keyBy: [auction, bidder] }
    - window: { type: tumbling, size: 1d }
      aggregate: ["count(*) AS bids", "max(price) AS top", "sum(price) AS total", "avg(price) AS mean"]
    - to: out
  sinks: { out: { console: { maxRows: 0 } } }
`,
  );
  return { mode, ...(await checkpointAfterFeeding(manifest, "bids", (n) => n >= events)) };
}

async function throughputCase(events: number) {
  const run = async (checkpoints: boolean) => {
    const m = loadManifest(fileURLToPath(new URL("../../examples/nexmark/q7.yaml", import.meta.url)));
    m.spec.sources!.bids.generator!.count = events;
    if (checkpoints) m.spec.checkpointing = { interval: "1s", storage: `${storageUrl}/${Date.now()}`, retain: 2 };
    const plan = planManifest(m);
    const t0 = performance.now();
    await new LocalJob(plan, {
      sinks: { [plan.sinks[0].name]: new CollectingSink(false) },
      metrics: new EngineMetrics(),
    }).run();
    return events / ((performance.now() - t0) / 1000);
  };
  const without = await run(false);
  const withCheckpoints = await run(true);
  return { mode, events, without, withCheckpoints };
}

async function recoveryCase() {
  const manifest = auctionWindowJob({
    name: "chk-recovery",
    seed: 1,
    partitions: 4,
    rate: 100000,
    maxOutOfOrderness: "200ms",
    aggregate: ["count(*) AS bids", "max(price) AS top"],
    checkpointing: { interval: "1s", storage: storageUrl },
    extra: "  restartStrategy: { initialBackoff: 100ms }\n",
  });
  const config = {
    ...coordinatorConfig({}, { SABOT_TLS: "off" }),
    port: 0,
    parallelism: 2,
    heartbeatIntervalMs: 250,
    heartbeatTimeoutMs: 2000,
  };
  const service = await CoordinatorService.start(manifest, config, log);
  const bin = fileURLToPath(new URL("../../bin/sabot.js", import.meta.url));
  const workers = new Map<string, ChildProcess>();
  const start = (id: string) =>
    workers.set(
      id,
      spawn(process.execPath, [bin, "worker"], {
        env: {
          ...process.env,
          SABOT_COORDINATOR_ADDRESS: service.address,
          SABOT_WORKER_ID: id,
          SABOT_LOG_LEVEL: "warn",
          SABOT_TLS: "off",
        },
        stdio: "ignore",
      }),
    );
  start("w0");
  start("w1");
  const co = service.coordinator;
  const until = async (pred: () => boolean) => {
    while (!pred()) await new Promise((r) => setTimeout(r, 5));
    return performance.now();
  };
  await until(() => co.checkpoints.completed >= 3);
  const attempt = co.status().attempt;
  const killedAt = performance.now();
  workers.get("w1")!.kill("SIGKILL");
  start("w1");
  const pid = workers.get("w1")!.pid;
  const noticed = await until(() => co.status().attempt > attempt || co.jobState === "RESTARTING");
  const registered = await until(() => co.workers.get("w1")?.pid === pid);
  const running = await until(() => co.jobState === "RUNNING" && co.status().attempt > attempt);
  const firstRecord = await until(
    () => co.metricsSummary().attempt > attempt && co.metricsSummary().total.recordsIn > 0,
  );
  const firstOutput = await until(
    () => co.metricsSummary().attempt > attempt && co.metricsSummary().total.recordsOut > 0,
  );
  co.cancel("benchmark done");
  for (const w of workers.values()) w.kill("SIGKILL");
  await service.close();
  const ms = (t: number) => Math.round(t - killedAt);
  return {
    mode,
    noticedMs: ms(noticed),
    registeredMs: ms(registered),
    runningMs: ms(running),
    firstRecordMs: ms(firstRecord),
    firstOutputMs: ms(firstOutput),
  };
}

try {
  const cases: Record<string, () => Promise<unknown>> = {
    size: () => joinSizeCase(Number(arg)),
    "window-size": () => windowSizeCase(Number(arg)),
    throughput: () => throughputCase(Number(arg)),
    recovery: recoveryCase,
  };
  const result = await cases[mode]!();
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
