import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobStatus, MetricsSummary } from "../contract/rpc/messages.js";
import type { StreamJobManifest } from "../contract/spec/manifest.js";
import { type TlsSetting, tlsFiles, writeJobTlsDirs } from "../contract/tls/files.js";
import { issueJobCertificates } from "../contract/tls/job-certificates.js";
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
  /** Plaintext between the processes (`sabot run --insecure`); default: mTLS with an ephemeral CA. */
  insecure?: boolean;
}

/** Where the workers find their certificates, and the coordinator's; removed when the run ends. */
interface LocalTls {
  coordinator: TlsSetting;
  workerEnv: Record<string, string>;
  dispose(): void;
}

/**
 * A CA and certificates for this run only, in a private temp folder: the workers are separate
 * processes and read theirs from SABOT_TLS_DIR; the coordinator's stay in memory.
 */
function localTls(job: string, insecure: boolean): LocalTls {
  if (insecure)
    return { coordinator: "insecure", workerEnv: { SABOT_TLS: "off", SABOT_TLS_DIR: "" }, dispose: () => undefined };
  const certs = issueJobCertificates(job);
  const root = mkdtempSync(join(tmpdir(), "sabot-tls-"));
  const dirs = writeJobTlsDirs(root, certs);
  return {
    coordinator: tlsFiles(certs.ca.cert, certs.coordinator),
    workerEnv: { SABOT_TLS: "on", SABOT_TLS_DIR: dirs.worker },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
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
  private tls: LocalTls | null = null;

  constructor(
    private readonly manifest: StreamJobManifest,
    private readonly opts: LocalClusterOptions,
  ) {}

  async run(): Promise<JobStatus> {
    const log = this.opts.log ?? rootLog;
    const tls = localTls(this.manifest.name, this.opts.insecure ?? false);
    this.tls = tls;
    const config = {
      ...coordinatorConfig({}, { ...process.env, SABOT_TLS_DIR: undefined, SABOT_TLS: undefined }),
      port: 0,
      bindAddress: "127.0.0.1",
      tls: tls.coordinator,
      ...this.opts.config,
      parallelism: this.opts.parallelism,
    };
    const service = await CoordinatorService.start(this.manifest, config, log).catch((err: unknown) => {
      tls.dispose();
      throw err;
    });
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
      tls.dispose();
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
        ...this.tls?.workerEnv,
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
