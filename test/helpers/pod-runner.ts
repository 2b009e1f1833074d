import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { JOB_LABEL } from "../../operator/streamjob/job.js";
import { freePort } from "../env/lib/ports.js";
import { materializeVolumes, resolveEnv } from "./pod-env.js";

export { expandVars } from "./pod-env.js";

/**
 * Makes a StreamJob's pods real for integration tests. kwok only pretends to run pods; this
 * harness watches the pods kwok runs and starts, for each, the process its container would run
 * (`node bin/sabot.js <args>`) with the container's environment, resolved as a kubelet would
 * (fieldRef, secretKeyRef, configMapKeyRef, envFrom, `$(VAR)`), except that:
 *  - ConfigMap and Secret volumes are read through the API and written to a temp folder, and
 *    arguments under their mount paths point there;
 *  - bind addresses become 127.0.0.1 and ports free local ports; the coordinator of each job
 *    keeps one port for the harness's life, so its address survives a pod being replaced;
 *  - the coordinator address workers get (the coordinator Service's DNS name) becomes that port.
 * Deleting a pod sends its process SIGTERM, then SIGKILL after the grace period (capped). A
 * process that exits leaves its pod alone; the exit is recorded in `exits`.
 */

export interface PodRunnerOptions {
  kc: KubeConfig;
  namespace: string;
  /** Run only this job's pods (default: every pod with a sabot.dev/job label in the namespace). */
  job?: string;
  /** Extra environment for every process, applied last (e.g. shorter heartbeats). */
  extraEnv?: Record<string, string>;
  /** At most this many processes alive at once; further pods are reported, not run (default 8). */
  maxProcesses?: number;
  /** Longest wait between SIGTERM and SIGKILL, whatever the pod says (default 20 s). */
  maxGraceMs?: number;
  /** Lines of output kept per process for `logs()` (default 200). */
  logLines?: number;
}

export interface PodProcess {
  pod: string;
  uid: string;
  job: string;
  role: "coordinator" | "worker" | "other";
  pid: number;
  /** 127.0.0.1:port of the worker's /metrics, when it serves one. */
  metricsTarget?: string;
  logFile: string;
  exited?: { code: number | null; signal: NodeJS.Signals | null; at: number };
}

interface Running {
  info: PodProcess;
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
  terminating: boolean;
}

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const SABOT_BIN = join(REPO, "bin", "sabot.js");

export class PodRunner {
  readonly exits: PodProcess[] = [];
  /** Pods that could not be run (bound reached, unknown image args, API errors), with why. */
  readonly problems: string[] = [];
  private readonly procs = new Map<string, Running>();
  /** Pods whose process is being prepared; removed from here when deleted meanwhile. */
  private readonly starting = new Set<string>();
  /** Pods that could not be started: not tried again on their next update. */
  private readonly refused = new Set<string>();
  /** Per job or pod name: the previous process of that slot, which must exit before the next starts. */
  private readonly slots = new Map<string, Promise<void>>();
  private readonly coordinatorPorts = new Map<string, number>();
  private readonly core: CoreV1Api;
  private readonly informer;
  private readonly dir = mkdtempSync(join(tmpdir(), "sabot-pods-"));
  private stopped = false;
  private readonly exitHook = () => this.killAll("SIGKILL");

  private constructor(private readonly opts: PodRunnerOptions) {
    this.core = opts.kc.makeApiClient(CoreV1Api);
    const selector = opts.job ? `${JOB_LABEL}=${opts.job}` : JOB_LABEL;
    this.informer = makeInformer<V1Pod>(
      opts.kc,
      `/api/v1/namespaces/${opts.namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace: opts.namespace, labelSelector: selector }),
      selector,
    );
    this.informer.on("add", (p) => this.onPod(p));
    this.informer.on("update", (p) => this.onPod(p));
    this.informer.on("delete", (p) => this.terminate(p.metadata?.uid ?? "", p));
    this.informer.on("error", () => {
      if (!this.stopped) setTimeout(() => void this.informer.start().catch(() => undefined), 500);
    });
    process.once("exit", this.exitHook);
  }

  static async start(opts: PodRunnerOptions): Promise<PodRunner> {
    const runner = new PodRunner(opts);
    await runner.informer.start();
    return runner;
  }

  /** The 127.0.0.1 address of a job's coordinator (fixed for the harness's life, even before it runs). */
  async coordinatorAddress(job: string): Promise<string> {
    return `127.0.0.1:${await this.coordinatorPort(job)}`;
  }

  /** Synchronous form for an operator's address resolver; the port must already be assigned. */
  coordinatorAddressNow(job: string): string {
    const port = this.coordinatorPorts.get(job);
    if (port === undefined)
      throw new Error(`no coordinator port assigned for job ${job} yet: await coordinatorAddress(job) first`);
    return `127.0.0.1:${port}`;
  }

  /** Live processes (not exited), optionally of one job and role. */
  processes(filter: { job?: string; role?: PodProcess["role"] } = {}): PodProcess[] {
    return [...this.procs.values()]
      .map((r) => r.info)
      .filter((p) => !p.exited && (!filter.job || p.job === filter.job) && (!filter.role || p.role === filter.role));
  }

  /** `127.0.0.1:port` of every live worker's /metrics (for addScrapeTarget). */
  workerMetricsTargets(job?: string): string[] {
    return this.processes({ job, role: "worker" }).flatMap((p) => (p.metricsTarget ? [p.metricsTarget] : []));
  }

  /** The last lines of every process's output (or one pod's), for a failing test's message. */
  logs(pod?: string): string {
    return [...this.procs.values()]
      .filter((r) => !pod || r.info.pod === pod)
      .map((r) => {
        const state = r.info.exited ? `exited ${r.info.exited.code ?? r.info.exited.signal}` : "running";
        return `--- ${r.info.pod} (${r.info.role}, pid ${r.info.pid}, ${state}; full log ${r.info.logFile}) ---\n${r.lines.join("\n")}`;
      })
      .concat(this.problems.length ? [`--- problems ---\n${this.problems.join("\n")}`] : [])
      .join("\n");
  }

  /** SIGTERM to everything, SIGKILL after the grace period, then removes the temp folder. */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.informer.stop();
    await Promise.all([...this.procs.values()].map((r) => this.kill(r, this.opts.maxGraceMs ?? 20_000)));
    process.removeListener("exit", this.exitHook);
    if (!opts.keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }

  private async coordinatorPort(job: string): Promise<number> {
    let port = this.coordinatorPorts.get(job);
    if (port === undefined) {
      port = await freePort();
      // Another caller may have assigned one while this one awaited.
      if (!this.coordinatorPorts.has(job)) this.coordinatorPorts.set(job, port);
      port = this.coordinatorPorts.get(job)!;
    }
    return port;
  }

  private onPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (pod.metadata?.deletionTimestamp) return this.terminate(uid, pod);
    if (
      this.stopped ||
      this.procs.has(uid) ||
      this.starting.has(uid) ||
      this.refused.has(uid) ||
      pod.status?.phase !== "Running"
    )
      return;
    this.starting.add(uid); // claimed before the async start, so updates do not start it twice
    void this.launch(pod)
      .catch((err: unknown) => {
        this.refused.add(uid);
        this.problems.push(`${pod.metadata?.name}: not started: ${(err as Error).message}`);
      })
      .finally(() => this.starting.delete(uid));
  }

  private terminate(uid: string, pod: V1Pod): void {
    this.starting.delete(uid);
    const r = this.procs.get(uid);
    if (!r || r.terminating) return;
    const grace = (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    void this.kill(r, Math.min(grace, this.opts.maxGraceMs ?? 20_000));
  }

  private async kill(r: Running, graceMs: number): Promise<void> {
    if (r.info.exited) return;
    r.terminating = true;
    r.child.kill("SIGTERM");
    const timer = setTimeout(() => r.child.kill("SIGKILL"), graceMs);
    await r.exited;
    clearTimeout(timer);
  }

  private killAll(signal: NodeJS.Signals): void {
    for (const r of this.procs.values()) if (!r.info.exited) r.child.kill(signal);
  }

  private async launch(pod: V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    const job = pod.metadata?.labels?.[JOB_LABEL] ?? "";
    const container = pod.spec?.containers[0];
    if (!container) throw new Error("the pod has no container");
    const args = container.args ?? [];
    const role: PodProcess["role"] =
      args[0] === "coordinator" ? "coordinator" : args[0] === "worker" ? "worker" : "other";
    if (role === "other")
      throw new Error(`unknown container args ${JSON.stringify(args)}: expected coordinator or worker`);
    if (this.processes().length >= (this.opts.maxProcesses ?? 8))
      throw new Error(`more than ${this.opts.maxProcesses ?? 8} processes: raise maxProcesses if the test means it`);

    const podDir = join(this.dir, name);
    mkdirSync(podDir, { recursive: true });
    const mounted = await materializeVolumes(this.core, this.opts.namespace, pod, container, podDir);
    const env = await resolveEnv(this.core, this.opts.namespace, pod, container);
    const rewritten = await this.rewrite(env, role, job);
    const argv = args.map((a) =>
      mounted.reduce((s, [from, to]) => (s === from || s.startsWith(`${from}/`) ? to + s.slice(from.length) : s), a),
    );

    // A replacement (same pod name, or the job's coordinator) waits for its predecessor to exit.
    const slot = role === "coordinator" ? `coordinator:${job}` : `pod:${name}`;
    await this.slots.get(slot);
    if (this.stopped || !this.starting.has(uid)) return; // deleted while waiting
    const logFile = join(podDir, `${Date.now()}.log`);
    const out: WriteStream = createWriteStream(logFile);
    const child = spawn(process.execPath, [SABOT_BIN, ...argv], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? podDir,
        TMPDIR: podDir,
        ...rewritten,
        ...this.opts.extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const info: PodProcess = {
      pod: name,
      uid,
      job,
      role,
      pid: child.pid ?? -1,
      logFile,
      ...(role === "worker" && rewritten.SABOT_METRICS_PORT
        ? { metricsTarget: `127.0.0.1:${rewritten.SABOT_METRICS_PORT}` }
        : {}),
    };
    const lines: string[] = [];
    const keep = this.opts.logLines ?? 200;
    const onData = (chunk: Buffer) => {
      out.write(chunk);
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(line);
      if (lines.length > keep) lines.splice(0, lines.length - keep);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    const exited = new Promise<void>((resolve) =>
      child.once("exit", (code, signal) => {
        info.exited = { code, signal, at: Date.now() };
        this.exits.push(info);
        out.end();
        resolve();
      }),
    );
    child.once("error", (err) => this.problems.push(`${name}: ${err.message}`));
    this.slots.set(slot, exited);
    const running: Running = { info, child, lines, exited, terminating: false };
    this.procs.set(uid, running);
    if (this.stopped) void this.kill(running, 1000);
  }

  /** Local addresses and ports instead of pod ones. */
  private async rewrite(
    env: Record<string, string>,
    role: "coordinator" | "worker",
    job: string,
  ): Promise<Record<string, string>> {
    const out = { ...env };
    if (out.SABOT_BIND_ADDRESS !== undefined) out.SABOT_BIND_ADDRESS = "127.0.0.1";
    if (role === "coordinator") {
      out.SABOT_COORDINATOR_PORT = String(await this.coordinatorPort(job));
      // Pods have an address each; processes on one host would all want the UI's fixed port.
      if (out.SABOT_UI_PORT !== undefined) out.SABOT_UI_PORT = String(await freePort());
    }
    if (role === "worker") {
      const port = await freePort();
      out.SABOT_WORKER_PORT = String(port);
      out.SABOT_ADVERTISED_ADDRESS = `127.0.0.1:${port}`;
      if (out.SABOT_COORDINATOR_ADDRESS !== undefined) {
        // `<job>-coordinator.<ns>.svc[.cluster.local]:port` names the coordinator of that job.
        const m = /^(.+)-coordinator\.[^.]+\.svc(?:\.cluster\.local)?:\d+$/.exec(out.SABOT_COORDINATOR_ADDRESS);
        out.SABOT_COORDINATOR_ADDRESS = await this.coordinatorAddress(m?.[1] ?? job);
      }
      if (out.SABOT_METRICS_PORT !== undefined) out.SABOT_METRICS_PORT = String(await freePort());
    }
    return out;
  }
}
