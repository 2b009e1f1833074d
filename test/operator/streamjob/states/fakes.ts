import type { StreamJob } from "../../../../operator/streamjob/job.js";
import { composeStatus } from "../../../../operator/streamjob/job-status.js";
import { nextStep } from "../../../../operator/streamjob/states/machine.js";
import { timingFor } from "../../../../operator/streamjob/states/spec.js";
import type {
  ClusterView,
  LifecycleCoordinator,
  LifecycleTiming,
  Step,
} from "../../../../operator/streamjob/states/types.js";
import type { CheckpointInfo, JobStatus } from "../../../../runtime/contract/rpc/messages.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { streamJob } from "../resources/fixtures.js";

export const STORAGE = "s3://bucket/chk";

export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

/** Savepoints as the coordinator would answer about them: what a trigger turns into. */
export type SavepointBehaviour = "complete" | "hang" | "fail" | "no-storage" | "unimplemented";

/** An in-memory coordinator: ids, savepoints that complete after one poll (or hang, or fail). */
export class FakeCoordinator implements LifecycleCoordinator {
  readonly checkpoints = new Map<number, CheckpointInfo>();
  readonly triggers: { stop: boolean; reason: string }[] = [];
  reachable = true;
  behaviour: SavepointBehaviour = "complete";
  /** What GetJobStatus reports; savepoints are refused (FAILED_PRECONDITION) unless RUNNING. */
  state: JobStatus["state"] = "RUNNING";
  private nextId = 1;
  private polls = new Map<number, number>();

  constructor(readonly clock: () => number) {}

  /** A completed periodic checkpoint, as the running job would have taken. */
  completeCheckpoint(): CheckpointInfo {
    const id = this.nextId++;
    const info = this.info(id, "checkpoint", "COMPLETED");
    this.checkpoints.set(id, info);
    return info;
  }

  async triggerSavepoint(req: { stop: boolean; reason: string }): Promise<CheckpointInfo> {
    this.check();
    if (this.behaviour === "no-storage") throw grpcError(9, "savepoints need spec.checkpointing.storage");
    if (this.behaviour === "unimplemented") throw grpcError(12, "TriggerSavepoint is not implemented");
    if (this.state !== "RUNNING") throw grpcError(9, "the job is not running: a savepoint needs every subtask running");
    this.triggers.push(req);
    const id = this.nextId++;
    const info = this.info(id, "savepoint", "IN_PROGRESS");
    this.checkpoints.set(id, info);
    return info;
  }

  async getCheckpoint(id: number): Promise<CheckpointInfo> {
    this.check();
    if (id === 0) {
      const newest = [...this.checkpoints.values()].at(-1);
      return newest ?? { ...this.info(0, "", "NONE"), path: "" };
    }
    const info = this.checkpoints.get(id);
    if (!info) return { ...this.info(id, "", "NONE"), path: "" };
    const n = (this.polls.get(id) ?? 0) + 1;
    this.polls.set(id, n);
    if (info.state === "IN_PROGRESS" && n >= 1 && this.behaviour !== "hang") {
      info.state = this.behaviour === "fail" ? "FAILED" : "COMPLETED";
      if (info.state === "FAILED") info.error = "a worker failed to write its state";
    }
    return { ...info };
  }

  async getJobStatus(): Promise<JobStatus> {
    this.check();
    const completed = [...this.checkpoints.values()].filter((c) => c.state === "COMPLETED").at(-1) ?? null;
    return { lastCheckpoint: completed, state: this.state } as JobStatus;
  }

  private check(): void {
    if (!this.reachable) throw grpcError(14, "No connection established");
  }

  private info(id: number, kind: CheckpointInfo["kind"], state: CheckpointInfo["state"]): CheckpointInfo {
    const folder = kind === "savepoint" ? `sp-${id}` : `chk-${id}`;
    return {
      id,
      kind,
      state,
      path: `${STORAGE}/job/${folder}`,
      bytes: 10,
      triggeredAtMs: this.clock(),
      durationMs: 5,
      error: "",
      attempt: 1,
    };
  }
}

export const TIMING: LifecycleTiming = {
  upgradeTimeoutMs: 60_000,
  savepointTimeoutMs: 30_000,
  stableAfterMs: 10_000,
  pollIntervalMs: 1_000,
};

/**
 * One StreamJob driven through the lifecycle without an API server: the status each step writes
 * is the status the next step reads (as the reconciler does), the clock and the cluster are set
 * by the test. A new Sim over the same status and coordinator is a restarted operator.
 */
export class Sim {
  job: StreamJob;
  nowMs = Date.parse("2026-01-01T00:00:00Z");
  cluster: ClusterView = { upToDate: true, ready: false, scaledDown: false, workersReady: 0 };
  readonly coordinator: FakeCoordinator;
  readonly events: string[] = [];
  last?: Step;

  constructor(spec: Partial<StreamJobSpec> = {}, coordinator?: FakeCoordinator) {
    this.job = {
      ...streamJob("job", { checkpointing: { storage: STORAGE }, ...spec }),
      metadata: { name: "job", namespace: "ns", uid: "u", generation: 1 },
    };
    this.coordinator = coordinator ?? new FakeCoordinator(() => this.nowMs);
  }

  /** The user edits the spec: a new generation. */
  edit(spec: Partial<StreamJobSpec>): void {
    this.job = {
      ...this.job,
      spec: { ...this.job.spec, ...spec },
      metadata: { ...this.job.metadata, generation: (this.job.metadata.generation ?? 0) + 1 },
    };
  }

  ready(ready = true): void {
    this.cluster = {
      upToDate: true,
      ready,
      scaledDown: false,
      workersReady: ready ? (this.job.spec.parallelism ?? 1) : 0,
    };
  }

  scaledDown(): void {
    this.cluster = { upToDate: true, ready: false, scaledDown: true, workersReady: 0 };
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }

  async step(opts: { deleting?: boolean; timing?: Partial<LifecycleTiming> } = {}): Promise<Step> {
    const now = new Date(this.nowMs);
    const ctx = {
      job: this.job,
      now,
      cluster: this.cluster,
      coordinator: this.coordinator,
      timing: { ...timingFor(this.job.spec, TIMING), ...opts.timing },
    };
    const step = await nextStep(ctx, { deleting: opts.deleting ?? false });
    this.job = { ...this.job, status: composeStatus(this.job, step, {}, now) };
    this.events.push(...step.events.map((e) => e.reason));
    this.last = step;
    return step;
  }

  /** Steps until `phase` (or fails after `max` steps), advancing the clock by `tickMs` each time. */
  async until(phase: string, opts: { max?: number; tickMs?: number } = {}): Promise<Step> {
    for (let i = 0; i < (opts.max ?? 10); i++) {
      const s = await this.step();
      if (s.phase === phase && !this.job.status?.upgrade) return s;
      this.advance(opts.tickMs ?? 1_000);
    }
    throw new Error(
      `not ${phase} after ${opts.max ?? 10} steps: ${this.job.status?.phase} ${JSON.stringify(this.job.status?.upgrade)}`,
    );
  }

  get status() {
    return this.job.status!;
  }

  deployed(): StreamJobSpec {
    return JSON.parse(this.status.lastReconciledSpec!) as StreamJobSpec;
  }

  condition(type: string) {
    return this.status.conditions?.find((c) => c.type === type);
  }

  /** A Running job whose spec is stable (the starting point of most tests). */
  async runningStable(): Promise<void> {
    await this.step();
    this.ready();
    await this.until("Running");
    this.advance(TIMING.stableAfterMs + 1_000);
    await this.step();
    if (this.status.lastStableSpec !== this.status.lastReconciledSpec) throw new Error("spec not stable");
    this.events.length = 0;
  }
}
