import { DistributedConfigError } from "../../runtime/distributed/config.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { localJobView } from "../../runtime/engine/local-job-view.js";
import { startMetricsServer } from "../../runtime/metrics/server.js";
import { actionPolicyFromEnv, createApi, type Route } from "../../runtime/metrics/web/api.js";
import { CheckpointLog } from "../../runtime/metrics/web/checkpoint-log.js";
import { staticRoute } from "../../runtime/metrics/web/static-files.js";
import { planFile } from "../../runtime/planner/validate.js";
import { distributedRun } from "./cluster-commands.js";
import { localRunOptions, summaryText } from "./progress.js";

export interface RunFlags {
  maxRecords?: string;
  duration?: string;
  quiet?: boolean;
  parallelism?: string;
  /** With --parallelism: plaintext between the processes. */
  insecure?: boolean;
  metricsPort?: string;
  /** Port of the web UI (and /metrics) on 127.0.0.1; 0 picks a free one; "off" serves nothing. */
  uiPort?: string;
}

/** `sabot run job.yaml`: validate, run in this process, show progress, print a summary. */
export async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const parallelism = flags.parallelism !== undefined ? Number(flags.parallelism) : 1;
  if (parallelism > 1) {
    if (flags.maxRecords !== undefined)
      throw new DistributedConfigError(
        "--max-records works in one process only; with --parallelism use --duration or a bounded source",
      );
    return distributedRun(file, {
      parallelism,
      duration: flags.duration,
      quiet: flags.quiet,
      insecure: flags.insecure,
    });
  }
  const { plan } = planFile(file);
  const checkpoints = new CheckpointLog();
  const job = new LocalJob(plan, { onCheckpoint: checkpoints.record, ...localRunOptions(flags) });
  const ui = flags.uiPort === "off" ? null : createApi(localJobView(job, checkpoints), actionPolicyFromEnv());
  const metrics = await serve(job, flags, ui ? [ui.route, staticRoute] : []);
  // Not job.stop(): with exactly-once sinks a signal must not commit what the next start replays.
  const stop = () => job.terminate();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const summary = await job.run();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  ui?.close();
  await metrics?.close();
  process.stderr.write(`${summaryText(summary)}\n`);
}

/**
 * /metrics and the web UI share one server on 127.0.0.1 (--metrics-port, else --ui-port, else a
 * free port); with --ui-port off and no --metrics-port nothing is served.
 */
async function serve(job: LocalJob, flags: RunFlags, routes: Route[]) {
  if (flags.metricsPort === undefined && routes.length === 0) return null;
  const uiPort = flags.uiPort === undefined || flags.uiPort === "off" ? 0 : Number(flags.uiPort);
  const server = await startMetricsServer(
    job.metrics.registry,
    "127.0.0.1",
    flags.metricsPort !== undefined ? Number(flags.metricsPort) : uiPort,
    routes,
  );
  if (routes.length > 0) process.stderr.write(`web UI: http://127.0.0.1:${server.port}/\n`);
  process.stderr.write(`metrics: http://127.0.0.1:${server.port}/metrics\n`);
  return server;
}
