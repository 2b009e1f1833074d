import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./lib/cache.js";
import { stopServer } from "./lib/process.js";
import { startKafka } from "./services/kafka.js";
import { startKube } from "./services/kube.js";
import { startMinio } from "./services/minio.js";
import { startPrometheus } from "./services/prometheus.js";
import type { TestEnv } from "./types.js";

const buildScript = new URL("./build/all.sh", import.meta.url).pathname;

/** Builds (or finds cached) every server binary. A no-op taking well under a second when warm. */
export function buildAll(): void {
  execFileSync("bash", [buildScript], { stdio: "inherit" });
}

/**
 * Starts every real service of the test environment in parallel and writes `env.json` into
 * the run folder. On any failure it stops what did start, so no server outlives a failed run.
 */
export async function startEnvironment(): Promise<TestEnv> {
  buildAll();
  pruneOldRuns();
  const runDir = mkdtempSync(join(cacheDir("runs"), "run-"));
  const logDir = join(runDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const ctx = { runDir, logDir };
  const started = await Promise.allSettled([startKafka(ctx), startMinio(ctx), startPrometheus(ctx), startKube(ctx)]);
  const processes = started.flatMap((r) => (r.status === "fulfilled" ? r.value.processes : []));
  const failures = started.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message ?? r.reason)] : []));
  if (failures.length > 0) {
    await Promise.all(processes.map((p) => stopServer(p)));
    throw new Error(`test environment failed to start (logs in ${logDir}):\n${failures.join("\n\n")}`);
  }
  const [kafka, minio, prom, kube] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startKafka>>,
    Awaited<ReturnType<typeof startMinio>>,
    Awaited<ReturnType<typeof startPrometheus>>,
    Awaited<ReturnType<typeof startKube>>,
  ];
  const env: TestEnv = {
    runDir,
    logDir,
    kafka: kafka.kafka,
    s3: minio.s3,
    prometheus: prom.prometheus,
    kube: kube.kube,
    processes,
  };
  writeFileSync(join(runDir, "env.json"), JSON.stringify(env, null, 2));
  return env;
}

/** Stops every server; removes the run folder unless its logs are wanted (a failed run). */
export async function stopEnvironment(env: Pick<TestEnv, "processes" | "runDir">, opts: { keepFiles?: boolean } = {}): Promise<void> {
  // The API server depends on etcd, so stopping in reverse start order gives cleaner logs.
  for (const p of [...env.processes].reverse()) await stopServer(p);
  if (!opts.keepFiles) rmSync(env.runDir, { recursive: true, force: true });
}

/** Run folders of failed runs are kept for a day for their logs, then removed at the next start. */
function pruneOldRuns(): void {
  const runs = cacheDir("runs");
  for (const d of readdirSync(runs)) {
    const dir = join(runs, d);
    if (Date.now() - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
  }
}
