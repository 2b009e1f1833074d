import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LocalCluster } from "../../runtime/distributed/local-cluster.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { chainedJob, q7Manifest } from "./distributed-job.js";
import { peakRssMiB } from "./peak-memory.js";

/**
 * One distributed benchmark case in a fresh process: `distributed-case.ts
 * <chained|cluster|cluster-plaintext> <workers> <events>`; prints one JSON line. q7-style (max
 * price and count per auction in 10-second windows) on the Nexmark generator with 4 splits, output
 * discarded. `chained` runs the job in this process (no exchange); `cluster` runs a coordinator
 * here and `workers` worker processes on loopback with mTLS (as `sabot run --parallelism`),
 * `cluster-plaintext` the same without TLS (`--insecure`); both time deploy → every subtask
 * drained (process start-up excluded). SABOT_BENCH_WORKER_FLAGS: extra node flags for the worker
 * processes (e.g. `--trace-gc`, `--cpu-prof --cpu-prof-dir=DIR`; NODE_OPTIONS refuses some).
 */
export interface DistributedResult {
  mode: string;
  workers: number;
  events: number;
  seconds: number;
  eventsPerSec: number;
  outputRows: number;
  /** Rows and bytes that crossed the exchange (bytes: only what went between workers). */
  exchangedRows: number;
  exchangedMiB: number;
  peakRssMiB: number;
  /**
   * CPU seconds, all threads: of this process over the run (chained), or of every worker process
   * over its whole life, start-up included (cluster; about 2 CPU-s each on the reference machine).
   */
  cpuSeconds: number;
}

/** CPU seconds of this process's children that exited and were waited for (Linux; NaN elsewhere). */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime (stat fields 16 and 17) in USER_HZ ticks of 10 ms.
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

const [mode, workersArg, eventsArg] = process.argv.slice(2);
// This process runs the job, as `sabot run` would.
tuneCollectorForJobs();
const workers = Number(workersArg);
const events = Number(eventsArg);
process.env.SABOT_LOG_LEVEL ??= "warn";

const manifest = q7Manifest(events, 4);

let result: DistributedResult;
if (mode === "chained") {
  const run = await chainedJob(manifest).run();
  result = {
    mode,
    workers: 1,
    events,
    seconds: run.seconds,
    eventsPerSec: events / run.seconds,
    outputRows: run.outputRows,
    exchangedRows: 0,
    exchangedMiB: 0,
    peakRssMiB: peakRssMiB(),
    cpuSeconds: run.cpuSeconds,
  };
} else {
  const worker = fileURLToPath(new URL("../runtime/distributed/test-worker.ts", import.meta.url));
  const cpu0 = childrenCpuSeconds();
  const cluster = new LocalCluster(manifest, {
    parallelism: workers,
    insecure: mode === "cluster-plaintext",
    workerCommand: [
      process.execPath,
      ...(process.env.SABOT_BENCH_WORKER_FLAGS ?? "").split(" ").filter(Boolean),
      "--import",
      "tsx",
      worker,
    ],
    env: { SABOT_TEST_SINK: "discard", SABOT_LOG_LEVEL: "warn" },
  });
  const status = await cluster.run();
  if (status.state !== "FINISHED") throw new Error(`cluster run ended ${status.state}: ${status.message}`);
  const m = cluster.service!.coordinator.metricsSummary();
  const seconds = status.lastRunMs / 1000;
  const peakWorker = Math.max(...m.workers.map((w) => w.metrics.rssBytes)) / 2 ** 20;
  result = {
    mode,
    workers,
    events,
    seconds,
    eventsPerSec: events / seconds,
    outputRows: m.total.recordsOut,
    exchangedRows: m.total.exchangeRowsSent,
    exchangedMiB: m.total.exchangeBytesSent / 2 ** 20,
    peakRssMiB: peakWorker,
    cpuSeconds: childrenCpuSeconds() - cpu0,
  };
}
console.log(JSON.stringify(result));
