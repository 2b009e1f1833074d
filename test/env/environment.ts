import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./lib/cache.js";
import { type ServerProcess, stopServer } from "./lib/process.js";
import { startKafka } from "./services/kafka.js";
import { startKube } from "./services/kube.js";
import { startMinio } from "./services/minio.js";
import { startPrometheus } from "./services/prometheus.js";
import { prepareRealNode, releaseRealNode, startKubeWithRealNode, stopRealNode } from "./services/real-node.js";
import type { TestEnv } from "./types.js";

const buildScript = new URL("./build/all.sh", import.meta.url).pathname;

/** Builds (or finds cached) every server binary. A no-op taking well under a second when warm. */
export function buildAll(): void {
  execFileSync("bash", [buildScript], { stdio: "inherit" });
}

/**
 * Starts every real service of the test environment in parallel and writes `env.json` into
 * the run folder. On any failure it stops what did start, so no server outlives a failed run.
 * `standalone` (env:up) lets the environment outlive this process until `env:down`.
 */
export async function startEnvironment(opts: { standalone?: boolean } = {}): Promise<TestEnv> {
  buildAll();
  pruneOldRuns();
  const runDir = mkdtempSync(join(cacheDir("runs"), "run-"));
  const logDir = join(runDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const ctx = { runDir, logDir };
  // First, alone: the node IP it puts on the host is where the other services listen.
  const node = await prepareRealNode({ ...ctx, standalone: opts.standalone ?? false });
  const started = await Promise.allSettled([
    startKafka(ctx),
    startMinio(ctx),
    startPrometheus(ctx),
    startKubeWithRealNode(node, ctx, startKube),
  ]);
  const processes = started.flatMap((r) => (r.status === "fulfilled" ? r.value.processes : []));
  const failures = started.flatMap((r) =>
    r.status === "rejected" ? [String((r.reason as Error).message ?? r.reason)] : [],
  );
  if (failures.length > 0) {
    const kube = started[3];
    const kubeconfig = kube.status === "fulfilled" ? kube.value.kube.kubeconfig : undefined;
    const stopped = await stopRealNode({ runDir, kubeconfig, processes }).catch((err: unknown): ServerProcess[] => {
      failures.push(`cleaning up the real node: ${(err as Error).message}`);
      return [];
    });
    await Promise.all(processes.filter((p) => !stopped.includes(p)).map((p) => stopServer(p)));
    await releaseRealNode(runDir).catch((err: unknown) =>
      failures.push(`releasing the real node: ${(err as Error).message}`),
    );
    throw new Error(`test environment failed to start (logs in ${logDir}):\n${failures.join("\n\n")}`);
  }
  const [kafka, minio, prom, kube] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startKafka>>,
    Awaited<ReturnType<typeof startMinio>>,
    Awaited<ReturnType<typeof startPrometheus>>,
    Awaited<ReturnType<typeof startKubeWithRealNode>>,
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

/**
 * Stops every server; removes the run folder unless its logs are wanted (a failed run). The real
 * node goes first, while the API server still runs: its pods are deleted through it so the kubelet
 * tears their networks down, then the node's processes stop and what they left is removed. The
 * node IP goes last, after everything listening on it.
 */
export async function stopEnvironment(
  env: Pick<TestEnv, "processes" | "runDir" | "kube">,
  opts: { keepFiles?: boolean } = {},
): Promise<void> {
  let nodeError: Error | undefined;
  const stopped = await stopRealNode({
    runDir: env.runDir,
    kubeconfig: env.kube.kubeconfig,
    processes: env.processes,
  }).catch((err: unknown): ServerProcess[] => {
    nodeError = err as Error;
    return [];
  });
  // The API server depends on etcd, so stopping in reverse start order gives cleaner logs.
  for (const p of [...env.processes].reverse()) if (!stopped.includes(p)) await stopServer(p);
  // Last: the services above listen on the node IP that this removes.
  await releaseRealNode(env.runDir).catch((err: unknown) => {
    nodeError ??= err as Error;
  });
  if (!opts.keepFiles) rmSync(env.runDir, { recursive: true, force: true });
  if (nodeError) throw nodeError;
}

/** Run folders of failed runs are kept for a day for their logs, then removed at the next start. */
function pruneOldRuns(): void {
  const runs = cacheDir("runs");
  for (const d of readdirSync(runs)) {
    const dir = join(runs, d);
    if (Date.now() - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
  }
}
