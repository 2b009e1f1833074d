import { DistributedConfigError } from "../../runtime/distributed/config.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { distributedRun } from "./cluster-commands.js";
import { planFile } from "../../runtime/planner/validate.js";
import { startMetricsServer } from "../../runtime/metrics/server.js";
import { parseDuration } from "../../runtime/contract/spec/duration.js";
import { progressLine, summaryText } from "./progress.js";
import type { Progress } from "../../runtime/engine/local-job.js";

export interface RunFlags {
  maxRecords?: string;
  duration?: string;
  quiet?: boolean;
  parallelism?: string;
  metricsPort?: string;
}

/** `sabot run job.yaml`: validate, run in this process, show progress, print a summary. */
export async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const parallelism = flags.parallelism !== undefined ? Number(flags.parallelism) : 1;
  if (parallelism > 1) {
    if (flags.maxRecords !== undefined)
      throw new DistributedConfigError("--max-records works in one process only; with --parallelism use --duration or a bounded source");
    return distributedRun(file, { parallelism, duration: flags.duration, quiet: flags.quiet });
  }
  const { plan } = planFile(file);
  let prev: Progress | null = null;
  const job = new LocalJob(plan, {
    maxRecords: flags.maxRecords !== undefined ? Number(flags.maxRecords) : undefined,
    durationMs: flags.duration !== undefined ? parseDuration(flags.duration) : undefined,
    onProgress: flags.quiet
      ? undefined
      : (p) => {
          process.stderr.write(`${progressLine(p, prev)}\n`);
          prev = p;
        },
  });
  const metrics =
    flags.metricsPort !== undefined ? await startMetricsServer(job.metrics.registry, "127.0.0.1", Number(flags.metricsPort)) : null;
  if (metrics) process.stderr.write(`metrics: http://127.0.0.1:${metrics.port}/metrics\n`);
  // Not job.stop(): with exactly-once sinks a signal must not commit what the next start replays.
  const stop = () => job.terminate();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const summary = await job.run();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  await metrics?.close();
  process.stderr.write(`${summaryText(summary)}\n`);
}
