import { parseDuration } from "../../runtime/contract/spec/duration.js";
import { loadManifest } from "../../runtime/contract/spec/manifest.js";
import {
  type CoordinatorFlags,
  coordinatorConfig,
  type WorkerFlags,
  workerConfig,
} from "../../runtime/distributed/config.js";
import { CoordinatorService, exitCode } from "../../runtime/distributed/coordinator/service.js";
import { LocalCluster } from "../../runtime/distributed/local-cluster.js";
import { Worker } from "../../runtime/distributed/worker/worker.js";
import { log } from "../../runtime/log.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";
import { startMetricsServer } from "../../runtime/metrics/server.js";
import { planFile } from "../../runtime/planner/validate.js";
import { human } from "./progress.js";

/** `sabot coordinator job.yaml`: the job master of a distributed job (one per job, e.g. a pod). */
export async function coordinatorCommand(file: string, flags: CoordinatorFlags): Promise<void> {
  const manifest = loadManifest(file);
  const service = await CoordinatorService.start(manifest, coordinatorConfig(flags), log);
  console.error(`coordinator of ${manifest.name} listening on ${service.address}`);
  if (service.webUrl) console.error(`web UI: ${service.webUrl}`);
  // A second signal must not start a second graceful stop.
  let stopping = false;
  let signalled!: () => void;
  const signal = new Promise<void>((r) => (signalled = r));
  const onSignal = (sig: string) => {
    signalled();
    if (stopping) return;
    stopping = true;
    void service.stopGracefully(`coordinator received ${sig}`);
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  const status = await service.coordinator.terminal;
  console.error(`job ${status.state}: ${status.message}`);
  // In a pod, exiting would make Kubernetes restart the coordinator and run the job again; the
  // operator also still reads the final status and savepoint. Stay until SIGTERM (at once if the
  // job ended because of one).
  if (service.coordinator.config.linger) {
    console.error("SABOT_LINGER: serving the job's final status until SIGTERM");
    await signal;
  }
  await service.close();
  process.exit(exitCode(status));
}

/** `sabot worker`: one worker of a distributed job; settings from flags or SABOT_* variables. */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const config = workerConfig(flags);
  const metrics = new EngineMetrics();
  if (config.metricsPort !== null) await startMetricsServer(metrics.registry, config.bindAddress, config.metricsPort);
  const worker = new Worker(config, { metrics });
  process.once("SIGTERM", () => worker.terminate());
  process.once("SIGINT", () => worker.terminate());
  await worker.start();
}

export interface DistributedRunFlags {
  parallelism: number;
  duration?: string;
  quiet?: boolean;
  insecure?: boolean;
}

/** `sabot run --parallelism N`: coordinator here, N worker processes on loopback. */
export async function distributedRun(file: string, flags: DistributedRunFlags): Promise<void> {
  const { manifest } = planFile(file);
  const started = Date.now();
  let prevIn = 0;
  let prevAt = started;
  const cluster = new LocalCluster(manifest, {
    parallelism: flags.parallelism,
    insecure: flags.insecure,
    durationMs: flags.duration !== undefined ? parseDuration(flags.duration) : undefined,
    onProgress: flags.quiet
      ? undefined
      : (m, s) => {
          const now = Date.now();
          const rate = ((m.total.recordsIn - prevIn) * 1000) / Math.max(1, now - prevAt);
          prevIn = m.total.recordsIn;
          prevAt = now;
          process.stderr.write(
            `[${((now - started) / 1000).toFixed(0)}s] ${s.state} attempt ${s.attempt}  in ${human(m.total.recordsIn)} (${human(rate)}/s)  out ${human(m.total.recordsOut)}  backpressured ${m.total.backpressuredSeconds.toFixed(1)}s\n`,
          );
        },
  });
  process.once("SIGINT", () => cluster.terminate("SIGINT"));
  process.once("SIGTERM", () => cluster.terminate("SIGTERM"));
  const status = await cluster.run();
  process.stderr.write(
    `job ${status.state} after ${((Date.now() - started) / 1000).toFixed(2)}s (${status.restarts} restarts): ${status.message}\n`,
  );
  process.exitCode = exitCode(status);
}
