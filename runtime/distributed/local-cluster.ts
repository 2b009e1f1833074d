import { type ChildProcess, spawn } from "node:child_process";
import type { JobStatus, MetricsSummary } from "../contract/rpc/messages.js";
import type { StreamJobManifest } from "../contract/spec/manifest.js";
import { type Logger, log as rootLog } from "../log.js";
import { type CoordinatorConfig, coordinatorConfig } from "./config.js";
import { CoordinatorService } from "./coordinator/service.js";

export interface LocalClusterOptions {
  parallelism: number;
  /** Command that starts one worker (default: this program's `worker` subcommand). */
  workerCommand?: string[];
  /** Extra environment for the workers. */
  env?: Record<string, string>;
  /** Coordinator settings (default: from the environment, on 127.0.0.1 and any free port). */
  config?: Partial<CoordinatorConfig>;
  /** Stop the job gracefully after this long. */
  durationMs?: number;
  onProgress?: (m: MetricsSummary, status: JobStatus) => void;
  log?: Logger;
}

/**
 * `sabot run --parallelism N`: the coordinator in this process and N worker child processes on
 * loopback, supervised as Kubernetes would: a worker that exits while the job runs is started
 * again under the same id (the coordinator restarts the job around it).
 */
export class LocalCluster {
  readonly children = new Map<string, ChildProcess>();
  service: CoordinatorService | null = null;
  private done = false;
  private respawns = 0;

  constructor(
    private readonly manifest: StreamJobManifest,
    private readonly opts: LocalClusterOptions,
  ) {}

  async run(): Promise<JobStatus> {
    const log = this.opts.log ?? rootLog;
    const config = {
      ...coordinatorConfig({}),
      port: 0,
      bindAddress: "127.0.0.1",
      ...this.opts.config,
      parallelism: this.opts.parallelism,
    };
    const service = await CoordinatorService.start(this.manifest, config, log);
    this.service = service;
    for (let i = 0; i < this.opts.parallelism; i++) this.spawnWorker(`worker-${i}`, service.address, log);
    const progress = this.opts.onProgress
      ? setInterval(
          () => this.opts.onProgress!(service.coordinator.metricsSummary(), service.coordinator.status()),
          1000,
        )
      : null;
    const timer = this.opts.durationMs !== undefined ? setTimeout(() => this.stop(), this.opts.durationMs) : null;
    try {
      const status = await service.coordinator.terminal;
      this.done = true;
      await this.waitForChildren(10_000);
      return status;
    } finally {
      if (progress) clearInterval(progress);
      if (timer) clearTimeout(timer);
      this.done = true;
      for (const c of this.children.values()) if (c.exitCode === null) c.kill("SIGKILL");
      await service.close();
    }
  }

  /** Graceful stop of the job (the end of --duration). */
  stop(): void {
    this.service?.coordinator.requestStop("user", "stopped from the command line");
  }

  /**
   * Ctrl-C or SIGTERM: as the coordinator's own SIGTERM, so with exactly-once sinks nothing after
   * the latest checkpoint is committed, which the next start would write again (see
   * Coordinator.stopAtLastCheckpoint); otherwise a graceful stop.
   */
  terminate(signal: string): void {
    this.service?.coordinator.requestStop("coordinator", `sabot run received ${signal}`);
  }

  private spawnWorker(id: string, coordinator: string, log: Logger): void {
    const [cmd, ...args] = this.opts.workerCommand ?? [
      process.execPath,
      ...process.execArgv,
      process.argv[1],
      "worker",
    ];
    const child = spawn(cmd, args, {
      env: {
        ...process.env,
        ...this.opts.env,
        SABOT_COORDINATOR_ADDRESS: coordinator,
        SABOT_WORKER_ID: id,
        SABOT_BIND_ADDRESS: "127.0.0.1",
        SABOT_WORKER_PORT: "0",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    this.children.set(id, child);
    child.on("exit", (code, signal) => {
      if (this.done) return;
      const limit = (this.manifest.spec.restartStrategy?.maxRestarts ?? 10) + 1;
      log.warn({ worker: id, code, signal }, "worker process exited while the job runs");
      if (this.respawns++ >= limit) return;
      setTimeout(() => !this.done && this.spawnWorker(id, coordinator, log), 500);
    });
  }

  private async waitForChildren(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (const c of this.children.values()) {
      while (c.exitCode === null && c.signalCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
    }
  }
}
