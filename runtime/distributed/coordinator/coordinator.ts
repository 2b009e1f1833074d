import { randomUUID } from "node:crypto";
import {
  type CheckpointInfo,
  emptyMetrics,
  type JobState,
  type JobStatus,
  type MetricsSummary,
  type OperatorViewReport,
  type TaskState,
  type WorkerCommand,
  type WorkerMetrics,
} from "../../contract/rpc/messages.js";
import { API_VERSION, type StreamJobManifest } from "../../contract/spec/manifest.js";
import { buildExecutionGraph, type ExecutionGraph } from "../../engine/graph.js";
import { type Logger, log as rootLog } from "../../log.js";
import type { JobPlan } from "../../planner/plan.js";
import { planManifest } from "../../planner/validate.js";
import type { CoordinatorConfig } from "../config.js";
import { CheckpointCoordinator } from "./checkpoints.js";
import { RestartStrategy } from "./restart-strategy.js";
import { jobStatus, metricsSummary } from "./status.js";
import type { WorkerEntry } from "./worker-entry.js";

const ACTIVE: ReadonlySet<JobState> = new Set(["DEPLOYING", "RUNNING", "STOPPING", "COMMITTING"]);
const TERMINAL: ReadonlySet<JobState> = new Set(["FINISHED", "STOPPED", "CANCELED", "FAILED"]);
type StopKind = "user" | "coordinator" | "worker" | "savepoint";

/**
 * The job master of one job. Workers register; once `parallelism` of them are connected it
 * assigns subtask indices (sorted by worker id the first time; later a replacement takes the
 * free index) and deploys an attempt: every worker runs one subtask of every vertex, sources read
 * the splits (Kafka partitions p with p % parallelism == subtask) and operators own the key
 * groups of their subtask (keyGroupRange).
 *
 * Attempt lifecycle: DEPLOYING → RUNNING → (sources end, or a stop) → every task DRAINED →
 * COMMITTING (each worker commits its source offsets) → every task FINISHED. A worker that
 * fails, closes its command stream or misses heartbeats for the heartbeat timeout fails the
 * attempt: the others are cancelled and, after the restart strategy's backoff, a new attempt
 * restores the latest completed checkpoint (exactly-once state; output per the sinks' mode) or,
 * without checkpoints, replays from the committed offsets (at-least-once).
 *
 * Stop-with-savepoint: STOPPING while the savepoint's barriers stop every source; once it is
 * complete and every task drained, COMMITTING and FINISHED as above, and the job ends STOPPED.
 *
 * SIGTERM (a worker leaving, the coordinator stopping): a graceful stop as above; with
 * exactly-once, the attempt is cancelled instead, so that the restart from the latest checkpoint
 * writes nothing twice (stopAtLastCheckpoint).
 */
export class Coordinator {
  readonly plan: JobPlan;
  readonly graph: ExecutionGraph;
  readonly parallelism: number;
  readonly restart: RestartStrategy;
  readonly workers = new Map<string, WorkerEntry>();
  private readonly slots: (string | null)[];
  private readonly log: Logger;
  private readonly manifestJson: string;
  private assigned = false;
  private state: JobState = "WAITING_FOR_WORKERS";
  private stateSince = Date.now();
  private message = "waiting for workers";
  private attempt = 0;
  private deployedAt = 0;
  private runningSince = 0;
  private lastRunMs = 0;
  private stopKind: StopKind | null = null;
  private backoff: NodeJS.Timeout | null = null;
  private readonly checker: NodeJS.Timeout;
  private resolveTerminal: (s: JobStatus) => void = () => {};
  readonly checkpoints: CheckpointCoordinator;
  private restoredFrom = "";
  /** When this coordinator started, and every failed attempt with its cause (the web UI). */
  readonly startedAt = Date.now();
  readonly failures: { at: number; cause: string }[] = [];
  /** The Kubernetes operator's last ReportOperatorView (autoscaler decisions, Events), for the web UI. */
  operatorView: OperatorViewReport | null = null;
  /** Stop-with-savepoint: the savepoint completed (COMMITTING waits for it). */
  private stopSavepoint: CheckpointInfo | null = null;
  /** Resolves with the final status once the job is FINISHED, STOPPED, CANCELED or FAILED. */
  readonly terminal = new Promise<JobStatus>((r) => (this.resolveTerminal = r));

  constructor(
    readonly manifest: StreamJobManifest,
    readonly config: CoordinatorConfig,
    log?: Logger,
  ) {
    this.plan = planManifest(manifest);
    this.graph = buildExecutionGraph(this.plan);
    this.parallelism = config.parallelism ?? manifest.spec.parallelism ?? 1;
    if (this.parallelism > this.plan.maxParallelism)
      throw new Error(
        `parallelism ${this.parallelism} exceeds maxParallelism ${this.plan.maxParallelism} (the number of key groups): raise spec.maxParallelism`,
      );
    this.slots = new Array<string | null>(this.parallelism).fill(null);
    this.restart = new RestartStrategy(manifest.spec.restartStrategy);
    this.log = (log ?? rootLog).child({ job: manifest.name, role: "coordinator" });
    this.manifestJson = JSON.stringify({
      apiVersion: API_VERSION,
      kind: "StreamJob",
      metadata: { name: manifest.name, namespace: manifest.namespace },
      spec: manifest.spec,
    });
    const every = Math.max(50, Math.min(config.heartbeatIntervalMs, config.heartbeatTimeoutMs / 4));
    this.checker = setInterval(() => this.checkHeartbeats(), every);
    this.checker.unref();
    this.checkpoints = new CheckpointCoordinator(
      this.plan,
      {
        attempt: () => this.attempt,
        parallelism: this.parallelism,
        canCheckpoint: () =>
          (this.state === "RUNNING" || (this.state === "STOPPING" && this.stopKind === "savepoint")) &&
          this.slotWorkers().every((w) => w.task === "TASK_RUNNING"),
        broadcast: (cmd) => {
          for (const w of this.slotWorkers()) this.send(w, cmd);
        },
        stopSavepointDone: (info) => {
          this.stopSavepoint = info;
          this.maybeCommit();
        },
        stopSavepointFailed: (info) =>
          this.failAttempt(`the stop-with-savepoint ${info.id} failed (${info.error}); the job restarts`),
      },
      config.restoreFrom,
      this.log,
    );
  }

  /** Reads what checkpoint storage holds; call once before workers may be deployed. */
  async init(): Promise<void> {
    await this.checkpoints.init();
    this.initialized = true;
    this.maybeDeploy();
  }
  private initialized = false;

  get jobState(): JobState {
    return this.state;
  }
  get isTerminal(): boolean {
    return TERMINAL.has(this.state);
  }

  // ---- worker membership ----

  register(workerId: string, address: string, pid: number): WorkerEntry {
    if (this.isTerminal) throw new Error(`job ${this.manifest.name} is ${this.state}`);
    const old = this.workers.get(workerId);
    if (old) this.drop(old, "registered again (its process restarted)");
    const w: WorkerEntry = {
      id: workerId,
      address,
      pid,
      session: randomUUID(),
      subtask: -1,
      lastHeartbeat: Date.now(),
      task: "TASK_IDLE",
      commands: null,
      metrics: emptyMetrics(),
      leaving: false,
    };
    this.workers.set(workerId, w);
    this.log.info({ worker: workerId, address, pid }, "worker registered");
    return w;
  }

  attachCommands(w: WorkerEntry, stream: NonNullable<WorkerEntry["commands"]>): void {
    w.commands = stream;
    const gone = () => {
      if (w.commands !== stream) return;
      w.commands = null;
      this.drop(w, "closed its command stream (did it exit?)");
    };
    stream.on("cancelled", gone);
    stream.on("error", gone);
    this.maybeDeploy();
  }

  heartbeat(w: WorkerEntry, metrics: WorkerMetrics | null): void {
    w.lastHeartbeat = Date.now();
    if (metrics) w.metrics = metrics;
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const w of [...this.workers.values()])
      if (now - w.lastHeartbeat > this.config.heartbeatTimeoutMs)
        this.drop(w, `sent no heartbeat for ${now - w.lastHeartbeat} ms`);
  }

  /** Forgets a worker; if it ran a subtask of the active attempt, the attempt fails. */
  private drop(w: WorkerEntry, reason: string): void {
    if (this.workers.get(w.id) !== w) return;
    const commands = w.commands;
    w.commands = null;
    commands?.end();
    // After the end, workers exit; they stay listed with their last metrics.
    if (this.isTerminal) return;
    this.workers.delete(w.id);
    this.log.warn({ worker: w.id, subtask: w.subtask, reason }, "worker lost");
    const held = w.subtask >= 0 && this.slots[w.subtask] === w.id;
    if (held) this.slots[w.subtask] = null;
    if (held && ACTIVE.has(this.state)) this.failAttempt(`worker ${w.id} (subtask ${w.subtask}) ${reason}`);
  }

  // ---- attempts ----

  private send(w: WorkerEntry | undefined, cmd: WorkerCommand): void {
    w?.commands?.write(cmd);
  }
  private slotWorkers(): WorkerEntry[] {
    return this.slots.flatMap((id) => (id && this.workers.get(id) ? [this.workers.get(id)!] : []));
  }

  private maybeDeploy(): void {
    if (this.state !== "WAITING_FOR_WORKERS" || this.backoff || !this.initialized) return;
    const ready = (w: WorkerEntry) => w.commands !== null && !w.leaving;
    if (!this.assigned) {
      const candidates = [...this.workers.values()]
        .filter(ready)
        .sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
      if (candidates.length < this.parallelism) {
        this.message = `waiting for workers: ${candidates.length} of ${this.parallelism} registered`;
        return;
      }
      candidates.slice(0, this.parallelism).forEach((w, i) => {
        w.subtask = i;
        this.slots[i] = w.id;
      });
      this.assigned = true;
    }
    for (let i = 0; i < this.slots.length; i++) {
      const w = this.slots[i] ? this.workers.get(this.slots[i]!) : undefined;
      if (w && ready(w)) continue;
      if (w) w.subtask = -1;
      const spare = [...this.workers.values()].find((x) => x.subtask < 0 && ready(x));
      this.slots[i] = spare?.id ?? null;
      if (spare) spare.subtask = i;
    }
    const missing = this.slots.filter((s) => s === null).length;
    if (missing > 0) {
      this.message = `waiting for workers: ${this.parallelism - missing} of ${this.parallelism} registered`;
      return;
    }
    this.attempt++;
    this.deployedAt = Date.now();
    this.runningSince = 0;
    const attempt = this.attempt;
    this.setState("DEPLOYING", `deploying attempt ${attempt}`);
    this.checkpoints.restoreSource().then(
      (restoreFrom) => {
        if (this.attempt !== attempt || this.state !== "DEPLOYING") return;
        this.restoredFrom = restoreFrom;
        if (restoreFrom) this.log.info({ attempt, restoreFrom }, "restoring");
        const workers = this.slotWorkers();
        const peers = workers.map((w) => w.address);
        for (const w of workers) {
          w.task = "TASK_DEPLOYING";
          this.send(w, {
            deploy: {
              attempt,
              subtask: w.subtask,
              parallelism: this.parallelism,
              peers,
              manifestJson: this.manifestJson,
              restoreFrom,
            },
          });
        }
      },
      (err: unknown) => {
        if (this.attempt !== attempt) return;
        this.failAttempt(`cannot read the checkpoint to restore: ${(err as Error).message}`);
      },
    );
  }

  onTaskState(
    w: WorkerEntry,
    attempt: number,
    state: TaskState,
    message: string,
    metrics: WorkerMetrics | null,
    restoreBelow = 0,
  ): void {
    if (metrics) w.metrics = metrics;
    if (attempt !== this.attempt || w.subtask < 0 || !ACTIVE.has(this.state)) return;
    w.task = state;
    const all = (s: TaskState[]) =>
      this.slotWorkers().length === this.parallelism && this.slotWorkers().every((x) => s.includes(x.task));
    switch (state) {
      case "TASK_FAILED":
        if (restoreBelow > 0) this.checkpoints.restoreBelow(restoreBelow);
        return this.failAttempt(`subtask ${w.subtask} on worker ${w.id} failed: ${message}`);
      case "TASK_STOPPING":
        w.leaving = true;
        return this.requestStop("worker", `worker ${w.id} is terminating`);
      case "TASK_RUNNING":
        if (this.state === "DEPLOYING" && all(["TASK_RUNNING", "TASK_STOPPING", "TASK_DRAINED"])) {
          this.runningSince = Date.now();
          this.setState("RUNNING", `attempt ${this.attempt} running (${this.delivery()})`);
        }
        return;
      case "TASK_DRAINED":
        return this.maybeCommit();
      case "TASK_FINISHED":
        if (all(["TASK_FINISHED"])) this.attemptDone();
        return;
      default:
        return;
    }
  }

  /** Every task drained (and a stop-with-savepoint completed): the workers commit and finish. */
  private maybeCommit(): void {
    const workers = this.slotWorkers();
    if (this.state !== "STOPPING" && this.state !== "RUNNING" && this.state !== "DEPLOYING") return;
    if (workers.length !== this.parallelism || !workers.every((x) => x.task === "TASK_DRAINED")) return;
    if (this.stopKind === "savepoint" && !this.stopSavepoint) return;
    this.lastRunMs = Date.now() - this.deployedAt;
    this.setState("COMMITTING", "every subtask drained and flushed: committing source offsets");
    for (const x of workers) this.send(x, { commit: { attempt: this.attempt } });
  }

  private attemptDone(): void {
    const kind = this.stopKind;
    this.stopKind = null;
    if (kind === "worker") {
      for (const w of this.workers.values()) w.task = "TASK_IDLE";
      this.setState("WAITING_FOR_WORKERS", "stopped because a worker is terminating; restarts when it is replaced");
      this.maybeDeploy();
    } else if (kind === "savepoint") this.finish("STOPPED", `stopped with savepoint ${this.stopSavepoint?.path}`);
    else if (kind) this.finish("STOPPED", `stopped (${kind}); source offsets committed`);
    else this.finish("FINISHED", "every source ended; source offsets committed");
  }

  private failAttempt(reason: string): void {
    if (!ACTIVE.has(this.state)) return;
    const ranMs = this.runningSince ? Date.now() - this.runningSince : 0;
    this.log.warn({ attempt: this.attempt, reason }, "attempt failed");
    this.failures.push({ at: Date.now(), cause: reason });
    if (this.failures.length > 100) this.failures.shift();
    this.checkpoints.attemptEnded(`attempt ${this.attempt} failed: ${reason}`);
    this.stopSavepoint = null;
    for (const w of this.slotWorkers()) {
      this.send(w, { cancel: { attempt: this.attempt, reason } });
      w.task = "TASK_IDLE";
    }
    const kind = this.stopKind;
    this.stopKind = null;
    if (kind === "user" || kind === "coordinator")
      return this.finish("STOPPED", `stopping failed (${reason}); offsets of this attempt were not committed`);
    const delay = this.restart.onFailure(ranMs);
    if (delay === null) return this.finish("FAILED", `${reason}; giving up after ${this.restart.maxRestarts} restarts`);
    const from = this.checkpoints.storage ? "restoring the latest checkpoint" : "replaying from committed offsets";
    this.setState("RESTARTING", `${reason}; restart ${this.restart.total} in ${delay} ms, ${from}`);
    this.backoff = setTimeout(() => {
      this.backoff = null;
      this.setState("WAITING_FOR_WORKERS", `restart ${this.restart.total}: waiting for workers`);
      this.maybeDeploy();
    }, delay);
  }

  // ---- requests from the API ----

  /**
   * Graceful stop: sources stop, everything drains, offsets are committed; then STOPPED (or, for a
   * worker leaving, WAITING_FOR_WORKERS). With exactly-once, a stop on SIGTERM stops at the latest
   * checkpoint instead (stopAtLastCheckpoint).
   */
  requestStop(kind: StopKind, reason: string): void {
    if (this.isTerminal) return;
    if (
      (this.state === "DEPLOYING" || this.state === "RUNNING") &&
      this.checkpoints.exactlyOnce &&
      (kind === "worker" || kind === "coordinator")
    )
      return this.stopAtLastCheckpoint(kind, reason);
    if (this.state === "DEPLOYING" || this.state === "RUNNING") {
      this.stopKind = kind;
      this.setState("STOPPING", reason);
      for (const w of this.slotWorkers()) this.send(w, { stop: { attempt: this.attempt } });
    } else if (this.state === "STOPPING" || this.state === "COMMITTING") {
      if (kind !== "worker") this.stopKind = kind;
    } else if (kind !== "worker") {
      this.finish("STOPPED", reason);
    }
  }

  /**
   * Exactly-once, a stop on SIGTERM (a worker leaving, or the coordinator's pod going away) is not
   * the end of the job: it is started again, and then restores its latest checkpoint. Output after
   * that checkpoint must therefore stay uncommitted, or the restart would write it a second time;
   * so would source offsets, or a restart without a checkpoint would skip input whose output was
   * dropped. The attempt is cancelled as after a failure (sinks abort their open transactions; a
   * manifest written meanwhile is covered by the sinks' redo), but that counts no restart.
   */
  private stopAtLastCheckpoint(kind: "worker" | "coordinator", reason: string): void {
    const left = `${reason}: exactly-once output after the latest checkpoint is left uncommitted`;
    this.log.info({ attempt: this.attempt, reason }, "stopping at the latest checkpoint");
    this.checkpoints.attemptEnded(`attempt ${this.attempt} stopped: ${reason}`);
    this.stopKind = null;
    this.stopSavepoint = null;
    this.lastRunMs = Date.now() - this.deployedAt;
    for (const w of this.slotWorkers()) {
      this.send(w, { cancel: { attempt: this.attempt, reason } });
      w.task = "TASK_IDLE";
    }
    if (kind === "coordinator")
      return this.finish("STOPPED", `${left}; starting the job again restores that checkpoint`);
    this.setState("WAITING_FOR_WORKERS", `${left}; restarts from that checkpoint when the worker is replaced`);
    this.maybeDeploy();
  }

  /**
   * Starts a savepoint; with `stop`, the job then stops at it (STOPPING until it completes and
   * everything drained). Throws SavepointRefused when the job cannot take one now.
   */
  triggerSavepoint(stop: boolean, reason: string): CheckpointInfo {
    const info = this.checkpoints.triggerSavepoint(stop);
    if (stop) {
      this.stopKind = "savepoint";
      this.stopSavepoint = null;
      this.setState("STOPPING", `${reason}: stopping with savepoint ${info.id}`);
    }
    return info;
  }

  private delivery(): string {
    return this.checkpoints.exactlyOnce ? "exactly-once" : "at-least-once";
  }

  /** Immediate: cancel every task; nothing is committed. */
  cancel(reason: string): void {
    if (this.isTerminal) return;
    if (ACTIVE.has(this.state))
      for (const w of this.slotWorkers()) this.send(w, { cancel: { attempt: this.attempt, reason } });
    this.finish("CANCELED", reason);
  }

  private finish(state: JobState, message: string): void {
    if (this.backoff) clearTimeout(this.backoff);
    this.backoff = null;
    clearInterval(this.checker);
    this.checkpoints.attemptEnded(`the job is ${state.toLowerCase()}`);
    this.checkpoints.close();
    this.setState(state, message);
    for (const w of this.workers.values()) this.send(w, { shutdown: { reason: `job ${state.toLowerCase()}` } });
    this.resolveTerminal(this.status());
  }

  private setState(state: JobState, message: string): void {
    if (state !== this.state) this.log.info({ state, attempt: this.attempt, message }, "job state");
    this.state = state;
    this.stateSince = Date.now();
    this.message = message;
  }

  // ---- status ----

  status(): JobStatus {
    return jobStatus({
      jobName: this.manifest.name,
      state: this.state,
      attempt: this.attempt,
      restart: this.restart,
      parallelism: this.parallelism,
      maxParallelism: this.plan.maxParallelism,
      message: this.message,
      workers: [...this.workers.values()],
      vertices: this.graph.vertices.map((v) => v.name),
      stateSince: this.stateSince,
      lastRunMs: this.lastRunMs,
      delivery: this.delivery(),
      lastCheckpoint: this.checkpoints.lastCompleted,
      checkpointsCompleted: this.checkpoints.completed,
      checkpointsFailed: this.checkpoints.failed,
      restoredFrom: this.restoredFrom,
      operatorViewDigest: this.operatorView?.digest ?? "",
    });
  }

  metricsSummary(): MetricsSummary {
    return metricsSummary(this.manifest.name, this.attempt, [...this.workers.values()]);
  }

  close(): void {
    clearInterval(this.checker);
    this.checkpoints.close();
    if (this.backoff) clearTimeout(this.backoff);
  }
}
