import pino from "pino";
import type { JobStatus } from "../../runtime/contract/rpc/messages.js";
import type { StreamJobManifest } from "../../runtime/contract/spec/manifest.js";
import { coordinatorConfig, workerConfig } from "../../runtime/distributed/config.js";
import { CoordinatorService } from "../../runtime/distributed/coordinator/service.js";
import { Worker } from "../../runtime/distributed/worker/worker.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";
import { CollectingSink, type Row } from "./collecting-sink.js";

export interface InProcessCluster {
  service: CoordinatorService;
  /** Exit codes the workers asked for (they do not exit this process). */
  exits: number[];
  /** The workers' metrics (one registry; series carry the subtask label). */
  metrics: EngineMetrics;
  /** Resolves once the job is over, with its final status and what each sink received. */
  done: Promise<{ status: JobStatus; rows: (sink: string) => Row[] }>;
}

const quiet = pino({ level: process.env.SABOT_TEST_LOG_LEVEL ?? "silent" });
const started: CoordinatorService[] = [];

/**
 * A coordinator and `parallelism` workers in this process, talking gRPC over loopback as separate
 * processes would, with every sink replaced by a collecting one. Close them with closeClusters().
 */
export async function startInProcessCluster(
  m: StreamJobManifest,
  parallelism: number,
  restoreFrom?: string,
): Promise<InProcessCluster> {
  const config = {
    ...coordinatorConfig({}, { SABOT_TLS: "off" }),
    port: 0,
    parallelism,
    heartbeatIntervalMs: 200,
    heartbeatTimeoutMs: 5000,
    restoreFrom,
  };
  const service = await CoordinatorService.start(m, config, quiet);
  started.push(service);
  const sinks: [string, CollectingSink][] = [];
  const exits: number[] = [];
  const metrics = new EngineMetrics();
  const workers = Array.from(
    { length: parallelism },
    (_, i) =>
      new Worker(workerConfig({ coordinator: service.address, id: `w${i}` }, { SABOT_TLS: "off" }), {
        log: quiet,
        metrics,
        sinkFactory: (node) => {
          const s = new CollectingSink();
          sinks.push([node.name, s]);
          return s;
        },
        exit: (code) => exits.push(code),
      }),
  );
  await Promise.all(workers.map((w) => w.start()));
  const done = service.coordinator.terminal.then(async (status) => {
    await new Promise((r) => setTimeout(r, 200));
    return { status, rows: (name: string) => sinks.flatMap(([n, s]) => (n === name ? s.toRows() : [])) };
  });
  return { service, exits, metrics, done };
}

export async function closeClusters(): Promise<void> {
  for (const s of started.splice(0)) await s.close();
}

/** `what` names the wait in the timeout's error; a function is asked at the timeout (to say the state then). */
export async function waitFor(pred: () => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
