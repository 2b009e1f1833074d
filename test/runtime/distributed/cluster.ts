import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { afterAll } from "vitest";
import { ControlClient } from "../../../runtime/contract/rpc/loader.js";
import type { JobStatus, MetricsSummary } from "../../../runtime/contract/rpc/messages.js";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { readTlsDir, writeJobTlsDirs } from "../../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../../runtime/contract/tls/job-certificates.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(root, "bin/sabot.js");
const testWorker = fileURLToPath(new URL("./test-worker.ts", import.meta.url));

/** Fast failure detection for tests: heartbeats every 250 ms, a worker is lost after 2 s. */
export const TEST_ENV: Record<string, string> = {
  SABOT_LOG_LEVEL: "info",
  SABOT_HEARTBEAT_INTERVAL: "250ms",
  SABOT_HEARTBEAT_TIMEOUT: "2s",
  SABOT_SHUTDOWN_TIMEOUT: "20s",
  // Small buffers, so backpressure reaches the sources after a few thousand rows.
  SABOT_SINK_BUFFER_ROWS: "4096",
  SABOT_EXCHANGE_BUFFER_ROWS: "2048",
  SABOT_EXCHANGE_FRAME_ROWS: "1024",
  SABOT_EXCHANGE_CREDITS: "2",
};
export const HEARTBEAT_TIMEOUT_MS = 2000;
export const HEARTBEAT_INTERVAL_MS = 250;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * A coordinator and workers as separate processes on 127.0.0.1, as pods would run them, with mTLS
 * as the operator sets it up (a CA for this cluster; SABOT_TLS=off in `env` turns it off). Each
 * process logs to a file in `dir`; dispose() (call it in afterAll) SIGKILLs whatever still runs.
 */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "sabot-dist-"));
  readonly processes: ChildProcess[] = [];
  readonly exits = new Map<ChildProcess, Promise<Exit>>();
  coordinator: ChildProcess | null = null;
  readonly workers = new Map<string, ChildProcess>();
  client: ControlClient | null = null;
  /** Folders of the coordinator's, the workers' and the clients' certificates. */
  readonly tlsDirs = writeJobTlsDirs(join(this.dir, "tls"), issueJobCertificates("test-cluster"));

  constructor(private readonly env: Record<string, string> = {}) {}

  private get insecure(): boolean {
    return this.env.SABOT_TLS === "off";
  }

  writeManifest(name: string, manifest: StreamJobManifest): string {
    const file = join(this.dir, `${name}.yaml`);
    const doc = {
      apiVersion: "sabot.dev/v1alpha1",
      kind: "StreamJob",
      metadata: { name: manifest.name },
      spec: manifest.spec,
    };
    writeFileSync(file, yaml.dump(doc));
    return file;
  }

  private start(name: string, args: string[], env: Record<string, string>): ChildProcess {
    const out = openSync(join(this.dir, `${name}.log`), "a");
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...TEST_ENV, ...this.env, ...env },
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    this.processes.push(child);
    this.exits.set(
      child,
      new Promise((r) => child.once("exit", (code, signal) => r({ code, signal, at: Date.now() }))),
    );
    return child;
  }

  /** Starts `sabot coordinator` on a free port; resolves once it listens. */
  async startCoordinator(manifestFile: string, parallelism: number, args: string[] = []): Promise<string> {
    const name = `coordinator-${this.processes.length}`;
    const child = this.start(
      name,
      [bin, "coordinator", manifestFile, "--parallelism", String(parallelism), "--port", "0", ...args],
      this.insecure ? {} : { SABOT_TLS_DIR: this.tlsDirs.coordinator },
    );
    this.coordinator = child;
    const log = join(this.dir, `${name}.log`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = /listening on (\S+)/.exec(readFileSync(log, "utf8"));
      if (m) {
        this.client?.close();
        this.client = new ControlClient(m[1], this.insecure ? "insecure" : readTlsDir(this.tlsDirs.client));
        return m[1];
      }
      if (child.exitCode !== null)
        throw new Error(`coordinator exited (${child.exitCode}):\n${readFileSync(log, "utf8")}`);
      if (Date.now() > deadline) throw new Error(`coordinator did not start:\n${readFileSync(log, "utf8")}`);
      await sleep(100);
    }
  }

  /** Starts a worker (the test worker script: `sabot worker` plus sink hooks). */
  startWorker(id: string, env: Record<string, string> = {}): ChildProcess {
    const child = this.start(`${id}-${this.processes.length}`, ["--import", "tsx", testWorker], {
      SABOT_COORDINATOR_ADDRESS: this.client!.address,
      SABOT_WORKER_ID: id,
      ...(this.insecure ? {} : { SABOT_TLS_DIR: this.tlsDirs.worker }),
      ...env,
    });
    this.workers.set(id, child);
    return child;
  }

  status(): Promise<JobStatus> {
    return this.client!.getJobStatus();
  }
  metrics(): Promise<MetricsSummary> {
    return this.client!.getMetricsSummary();
  }

  /** Polls the job status until `pred` holds. */
  async waitForStatus(pred: (s: JobStatus) => boolean, timeoutMs: number, what: string): Promise<JobStatus> {
    return this.poll(() => this.status(), pred, timeoutMs, what);
  }
  async waitForMetrics(pred: (m: MetricsSummary) => boolean, timeoutMs: number, what: string): Promise<MetricsSummary> {
    return this.poll(() => this.metrics(), pred, timeoutMs, what);
  }

  private async poll<T>(get: () => Promise<T>, pred: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    for (;;) {
      try {
        last = await get();
        if (pred(last)) return last;
      } catch {
        // the coordinator may be starting or gone; retry until the deadline
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}\n${this.logTail()}`);
      await sleep(100);
    }
  }

  exitOf(child: ChildProcess): Promise<Exit> {
    return this.exits.get(child)!;
  }

  logTail(lines = 30): string {
    const name = this.coordinator ? this.processes.indexOf(this.coordinator) : -1;
    if (name < 0) return "";
    try {
      const text = readFileSync(join(this.dir, `coordinator-${name}.log`), "utf8")
        .trim()
        .split("\n");
      return text.slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  killAll(): void {
    this.client?.close();
    for (const p of this.processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }

  /** Kills what runs and removes the folder (logs and output), unless SABOT_KEEP_TEST_LOGS is set. */
  async dispose(): Promise<void> {
    this.killAll();
    await Promise.all(this.processes.map((p) => this.exitOf(p)));
    if (!process.env.SABOT_KEEP_TEST_LOGS) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident set size of a process in bytes (Linux /proc), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** A factory of TestClusters for the enclosing file; every cluster is disposed after it. */
export function useTestClusters(): (env?: Record<string, string>) => TestCluster {
  const clusters: TestCluster[] = [];
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.dispose()));
  });
  return (env = {}) => {
    const c = new TestCluster(env);
    clusters.push(c);
    return c;
  };
}
