import {
  applyRetention,
  assembleManifest,
  type CheckpointStorage,
  checkpointDir,
  listCheckpoints,
  locateSnapshot,
  nextCheckpointId,
  openCheckpointStorage,
  type SnapshotKind,
  type SubtaskShare,
  writeManifest,
} from "../../checkpoint/index.js";
import type { CheckpointAck, CheckpointInfo, WorkerCommand } from "../../contract/rpc/messages.js";
import { parseDuration } from "../../contract/spec/duration.js";
import type { Logger } from "../../log.js";
import type { JobPlan } from "../../planner/plan.js";

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const KEEP_INFOS = 50;

/** What the checkpoint coordinator needs from the job master. */
export interface CheckpointHost {
  attempt(): number;
  parallelism: number;
  /** Whether a checkpoint may start now: the attempt runs and no subtask has finished. */
  canCheckpoint(): boolean;
  /** Sends a command to every worker of the attempt. */
  broadcast(cmd: WorkerCommand): void;
  /** A stop-with-savepoint completed (the job then finishes) or failed (the attempt restarts). */
  stopSavepointDone(info: CheckpointInfo): void;
  stopSavepointFailed(info: CheckpointInfo): void;
}

interface Pending {
  info: CheckpointInfo;
  stop: boolean;
  acks: Map<number, SubtaskShare>;
  timer: NodeJS.Timeout | null;
  started: boolean;
}

export class SavepointRefused extends Error {}

/**
 * The coordinator's side of checkpoints: triggers them on `spec.checkpointing.interval` (and
 * savepoints on request), collects every subtask's acknowledgement, writes the manifest — from
 * that moment the checkpoint exists — and tells the workers to commit. One checkpoint runs at a
 * time; a savepoint requested meanwhile starts right after. A checkpoint that a subtask cannot
 * write, or that takes longer than `checkpointing.timeout`, fails and is reported, and the job
 * goes on. Checkpoints are pruned per `retain`; savepoints are kept.
 *
 * It also decides where an attempt restores from (restoreSource).
 */
export class CheckpointCoordinator {
  readonly storage: CheckpointStorage | null;
  private readonly job: string;
  private nextId = 1;
  private current: Pending | null = null;
  private readonly queue: Pending[] = [];
  private readonly infos = new Map<number, CheckpointInfo>();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly retain: number;
  completed = 0;
  failed = 0;
  lastCompleted: CheckpointInfo | null = null;
  /** Restore only checkpoints with smaller ids (see restoreBelow). */
  private bound = Number.POSITIVE_INFINITY;

  constructor(
    private readonly plan: JobPlan,
    private readonly host: CheckpointHost,
    /** SABOT_RESTORE_FROM / --restore-from: a folder URL, "none" (start fresh), or undefined. */
    private readonly explicitSource: string | undefined,
    private readonly log: Logger,
  ) {
    const c = plan.spec.checkpointing;
    this.job = plan.jobName;
    this.storage = c?.storage ? openCheckpointStorage(c.storage) : null;
    this.intervalMs = c?.interval ? parseDuration(c.interval) : 0;
    this.timeoutMs = c?.timeout ? parseDuration(c.timeout) : DEFAULT_TIMEOUT_MS;
    this.retain = c?.retain ?? 3;
    // A malformed path fails at start, not at deploy.
    if (explicitSource && explicitSource !== "none") locateSnapshot(explicitSource);
    if (plan.spec.initialSavepoint) locateSnapshot(plan.spec.initialSavepoint);
  }

  get exactlyOnce(): boolean {
    const c = this.plan.spec.checkpointing;
    return !!this.storage && this.intervalMs > 0 && c?.mode === "exactly-once";
  }

  async init(): Promise<void> {
    if (this.storage) this.nextId = await nextCheckpointId(this.storage, this.job);
    if (this.storage && this.intervalMs > 0) {
      this.timer = setInterval(() => this.periodic(), this.intervalMs);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const p of [this.current, ...this.queue]) if (p?.timer) clearTimeout(p.timer);
  }

  /**
   * A worker could not use the checkpoint it was given (corrupt, or an exactly-once sink never
   * committed its output): the next attempt restores an older one.
   */
  restoreBelow(id: number): void {
    this.bound = Math.min(this.bound, id);
  }

  /**
   * Where the next attempt starts from ("" for a fresh start):
   * - the newest completed checkpoint or savepoint of this job below the bound — when the
   *   coordinator was started with an explicit source, only one written under that same source
   *   (manifest `origin`), so a restarted coordinator continues its own progress but the job's
   *   older lineage is ignored;
   * - else the explicit source (nothing for "none");
   * - else spec.initialSavepoint.
   */
  async restoreSource(): Promise<string> {
    const explicit = this.explicitSource;
    if (this.storage) {
      for (const c of await listCheckpoints(this.storage, this.job, true)) {
        if (!c.complete || c.id >= this.bound) continue;
        if (explicit !== undefined && c.manifest!.origin !== explicit) continue;
        return this.storage.describe(checkpointDir(this.job, c.id, c.kind));
      }
    }
    if (explicit === "none") return "";
    if (explicit) return locateSnapshot(explicit).url;
    return this.plan.spec.initialSavepoint ? locateSnapshot(this.plan.spec.initialSavepoint).url : "";
  }

  /** Starts a savepoint (after the checkpoint in flight, if any); answers at once. */
  triggerSavepoint(stop: boolean): CheckpointInfo {
    if (!this.storage) throw new SavepointRefused("the job has no spec.checkpointing.storage to write savepoints to");
    if (!this.host.canCheckpoint())
      throw new SavepointRefused("the job is not running: a savepoint needs every subtask running");
    if (this.queue.some((p) => p.stop) || this.current?.stop)
      throw new SavepointRefused("a stop-with-savepoint is already in progress");
    const p = this.newPending("savepoint", stop);
    this.queue.push(p);
    this.startNext();
    return { ...p.info };
  }

  /** Every checkpoint and savepoint of this run, newest first (the web UI's history). */
  history(): CheckpointInfo[] {
    return [...this.infos.values()].sort((a, b) => b.id - a.id).map((i) => ({ ...i }));
  }

  info(id: number): CheckpointInfo | null {
    if (id === 0) {
      const newest = [...this.infos.values()].sort((a, b) => b.id - a.id)[0];
      return newest ? { ...newest } : null;
    }
    const i = this.infos.get(id);
    return i ? { ...i } : null;
  }

  private periodic(): void {
    if (this.current || this.queue.length > 0 || !this.host.canCheckpoint()) return;
    this.queue.push(this.newPending("checkpoint", false));
    this.startNext();
  }

  private newPending(kind: SnapshotKind, stop: boolean): Pending {
    const id = this.nextId++;
    const info: CheckpointInfo = {
      id,
      kind,
      state: "IN_PROGRESS",
      path: this.storage!.describe(checkpointDir(this.job, id, kind)),
      bytes: 0,
      triggeredAtMs: Date.now(),
      durationMs: 0,
      error: "",
      attempt: this.host.attempt(),
      alignmentMs: 0,
    };
    this.infos.set(id, info);
    for (const old of [...this.infos.keys()].sort((a, b) => a - b).slice(0, Math.max(0, this.infos.size - KEEP_INFOS)))
      this.infos.delete(old);
    return { info, stop, acks: new Map(), timer: null, started: false };
  }

  private startNext(): void {
    if (this.current) return;
    const p = this.queue.shift();
    if (!p) return;
    if (!this.host.canCheckpoint()) return this.fail(p, "the job stopped running before the checkpoint could start");
    this.current = p;
    p.started = true;
    p.info.attempt = this.host.attempt();
    p.info.triggeredAtMs = Date.now();
    p.timer = setTimeout(
      () => this.fail(p, `took longer than checkpointing.timeout (${this.timeoutMs} ms)`),
      this.timeoutMs,
    );
    this.log.info({ checkpoint: p.info.id, kind: p.info.kind, stop: p.stop }, "triggering checkpoint");
    this.host.broadcast({
      triggerCheckpoint: {
        attempt: p.info.attempt,
        checkpointId: p.info.id,
        savepoint: p.info.kind === "savepoint",
        stop: p.stop,
      },
    });
  }

  onAck(subtask: number, attempt: number, ack: CheckpointAck): void {
    const p = this.current;
    if (!p || p.info.id !== ack.checkpointId || p.info.attempt !== attempt || p.info.state !== "IN_PROGRESS") return;
    if (ack.error) return this.fail(p, `subtask ${subtask}: ${ack.error}`);
    p.info.alignmentMs = Math.max(p.info.alignmentMs ?? 0, ack.alignmentMs ?? 0);
    try {
      p.acks.set(subtask, { state: JSON.parse(ack.stateJson || "{}"), sources: JSON.parse(ack.sourcesJson || "{}") });
    } catch (err) {
      return this.fail(p, `subtask ${subtask} acknowledged unreadable state: ${(err as Error).message}`);
    }
    if (p.acks.size === this.host.parallelism) void this.finish(p);
  }

  /** The attempt failed or was cancelled: what is in flight can never complete. */
  attemptEnded(reason: string): void {
    for (const p of [...(this.current ? [this.current] : []), ...this.queue]) this.fail(p, reason, false);
    this.queue.length = 0;
  }

  private async finish(p: Pending): Promise<void> {
    const { manifest, bytes } = assembleManifest(
      {
        kind: p.info.kind as SnapshotKind,
        ...(this.explicitSource !== undefined ? { origin: this.explicitSource } : {}),
        job: this.job,
        checkpointId: p.info.id,
        timestamp: Math.round(p.info.triggeredAtMs),
        maxParallelism: this.plan.maxParallelism,
        parallelism: this.host.parallelism,
      },
      [...p.acks].sort(([x], [y]) => x - y).map(([, a]) => a),
    );
    try {
      await writeManifest(this.storage!, manifest);
    } catch (err) {
      return this.fail(p, `writing the manifest failed: ${(err as Error).message}`);
    }
    // Pruning follows every manifest, also one whose checkpoint was given up meanwhile (a timeout,
    // or the job ending): that manifest is consistent and counts as complete on storage.
    if (p.info.kind === "checkpoint")
      applyRetention(this.storage!, this.job, this.retain).catch((err: unknown) =>
        this.log.warn({ err }, "pruning old checkpoints failed"),
      );
    if (p.info.state !== "IN_PROGRESS") return;
    if (p.timer) clearTimeout(p.timer);
    p.info.state = "COMPLETED";
    p.info.bytes = bytes;
    p.info.durationMs = Date.now() - p.info.triggeredAtMs;
    this.completed++;
    this.lastCompleted = p.info;
    this.bound = Number.POSITIVE_INFINITY;
    this.log.info(
      { checkpoint: p.info.id, kind: p.info.kind, bytes, ms: Math.round(p.info.durationMs), path: p.info.path },
      "checkpoint completed",
    );
    this.host.broadcast({ checkpointComplete: { attempt: p.info.attempt, checkpointId: p.info.id } });
    if (this.current === p) this.current = null;
    if (p.stop) this.host.stopSavepointDone({ ...p.info });
    this.startNext();
  }

  private fail(p: Pending, reason: string, notify = true): void {
    if (p.info.state !== "IN_PROGRESS") return;
    if (p.timer) clearTimeout(p.timer);
    p.info.state = "FAILED";
    p.info.error = reason;
    p.info.durationMs = Date.now() - p.info.triggeredAtMs;
    this.failed++;
    this.log.warn({ checkpoint: p.info.id, kind: p.info.kind, reason }, "checkpoint failed; the job goes on");
    if (notify && p.started)
      this.host.broadcast({ checkpointAborted: { attempt: p.info.attempt, checkpointId: p.info.id, reason } });
    if (this.current === p) this.current = null;
    if (p.stop) this.host.stopSavepointFailed({ ...p.info });
    if (notify) this.startNext();
  }
}
