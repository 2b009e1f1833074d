import { pathToFileURL } from "node:url";
import pino from "pino";
import type { StreamJobManifest } from "../../../../runtime/contract/spec/manifest.js";
import { LocalJob, type RunSummary } from "../../../../runtime/engine/local-job.js";
import { localJobView } from "../../../../runtime/engine/local-job-view.js";
import { type MetricsServer, startMetricsServer } from "../../../../runtime/metrics/server.js";
import { type ActionPolicy, createApi } from "../../../../runtime/metrics/web/api.js";
import { CheckpointLog } from "../../../../runtime/metrics/web/checkpoint-log.js";
import { staticRoute } from "../../../../runtime/metrics/web/static-files.js";
import { planText } from "../../../../runtime/planner/validate.js";
import { auctionWindowJob } from "../../../helpers/test-jobs.js";

export const UI_JOB = "ui-job";

/** generator -> filter -> keyBy -> window -> files, checkpointing every 300 ms into `checkpoints`. */
export function uiJobYaml(outDir: string, checkpoints: string): string {
  return `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: ${UI_JOB} }
spec:
  sources:
    bids:
      generator: { kind: nexmark-bid, seed: 7, ratePerSecond: 20000, batchSize: 500 }
      eventTime: { field: dateTime, maxOutOfOrderness: 1s }
  pipeline:
    - { from: bids, filter: "price > 100" }
    - keyBy: [auction]
    - window: { type: tumbling, size: 1s }
      aggregate: ["count(*) AS bids", "max(price) AS top"]
    - to: out
  sinks:
    out:
      files: { path: ${JSON.stringify(outDir)}, format: arrow }
  checkpointing: { interval: 300ms, storage: ${JSON.stringify(pathToFileURL(checkpoints).href)} }
`;
}

/** Nexmark bids over 4 generator splits, keyed into 1 s windows, checkpointing every 300 ms into `dir`: for clusters. */
export function clusterUiJob(name: string, dir: string): StreamJobManifest {
  return auctionWindowJob({
    name,
    seed: 4,
    partitions: 4,
    batchSize: 500,
    rate: 20_000,
    maxOutOfOrderness: "1s",
    aggregate: ["count(*) AS bids"],
    checkpointing: { interval: "300ms", storage: pathToFileURL(dir).href },
    // A failed attempt restarts at once (tests inject one).
    extra: "  restartStrategy: { maxRestarts: 3, initialBackoff: 100ms, maxBackoff: 1s }\n",
  });
}

export interface UiJob {
  job: LocalJob;
  url: string;
  done: Promise<RunSummary>;
  /** Stops the job (if running) and the server. */
  close(): Promise<void>;
}

/** Runs the job in this process with the web UI on a free 127.0.0.1 port, as `sabot run` does. */
export async function startUiJob(
  outDir: string,
  checkpoints: string,
  policy: ActionPolicy = { enabled: false, token: null },
): Promise<UiJob> {
  const log = new CheckpointLog();
  const job = new LocalJob(planText(uiJobYaml(outDir, checkpoints)).plan, {
    log: pino({ level: "silent" }),
    onCheckpoint: log.record,
  });
  const api = createApi(localJobView(job, log), policy);
  const server: MetricsServer = await startMetricsServer(job.metrics.registry, "127.0.0.1", 0, [
    api.route,
    staticRoute,
  ]);
  const done = job.run();
  return {
    job,
    url: `http://127.0.0.1:${server.port}`,
    done,
    close: async () => {
      job.stop();
      await done.catch(() => undefined);
      api.close();
      await server.close();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
