import {
  applyRetention,
  assembleManifest,
  CheckpointConfigError,
  type CheckpointStorage,
  CorruptCheckpointError,
  checkpointDir,
  listCheckpoints,
  locateSnapshot,
  nextCheckpointId,
  openCheckpointStorage,
  openSnapshotStorage,
  type RestoredCheckpoint,
  writeManifest,
} from "../checkpoint/index.js";
import type { SourcePosition } from "../connectors/connector.js";
import { parseDuration } from "../contract/spec/duration.js";
import type { Logger } from "../log.js";
import type { CheckpointEvent } from "../metrics/web/checkpoint-log.js";
import type { Task } from "./task.js";
import type { SubtaskAck, TaskCheckpoints } from "./task-checkpoints.js";
import { applyShare, readShare, type SnapshotRef } from "./task-restore.js";

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * The checkpoint coordinator of a job run in one process (`sabot run`): it triggers the task's
 * checkpoints (see TaskCheckpoints for the cut) on `checkpointing.interval`, writes the manifest
 * once the task has acknowledged its state, then completes the checkpoint: two-phase sinks commit,
 * sources commit the recorded positions (Kafka offsets), old checkpoints are pruned. At most one
 * checkpoint is in flight; a failed or timed-out one is logged and counted, and the job goes on.
 *
 * Recovery restores the newest checkpoint no newer than the oldest of the exactly-once sinks'
 * last committed checkpoints, so a crash between a manifest and the sinks' commit re-runs from
 * the checkpoint whose output is visible (the crashed run's open transactions are aborted when
 * the sinks open) — nothing lost, nothing twice. Retention runs only after the commit, so that
 * checkpoint is still there. A checkpoint whose files fail their checksum is skipped for the one
 * before it.
 */
export class LocalCheckpointCoordinator {
  private readonly checkpoints: TaskCheckpoints;
  private nextId = 1;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Set by abort(): nothing more is written or committed. */
  private aborted = false;
  /** Checkpoints given up (timed out): their storage refuses further objects. */
  private readonly abandoned = new Set<number>();
  private readonly waiting = new Map<number, (a: SubtaskAck) => void>();
  private readonly job: string;

  private constructor(
    private readonly task: Task,
    private readonly storage: CheckpointStorage,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly retain: number,
    private readonly log: Logger,
    private readonly onEvent: (e: CheckpointEvent) => void,
  ) {
    this.job = task.jobName;
    this.checkpoints = task.enableCheckpoints({
      storage: (id) => guarded(storage, () => this.aborted || this.abandoned.has(id)),
      ack: (a) => this.waiting.get(a.checkpointId)?.(a),
      storesPreparedOutput: false,
    });
  }

  /** Checkpoints of the task's job, or null when `spec.checkpointing` has no interval or no storage. */
  static create(task: Task, onEvent: (e: CheckpointEvent) => void = () => {}): LocalCheckpointCoordinator | null {
    const c = task.plan.spec.checkpointing;
    if (!c?.interval || !c.storage) return null;
    const intervalMs = parseDuration(c.interval);
    if (!(intervalMs > 0))
      throw new CheckpointConfigError(`checkpointing.interval must be positive, got ${c.interval}`);
    const timeoutMs = c.timeout ? parseDuration(c.timeout) : DEFAULT_TIMEOUT_MS;
    const storage = openCheckpointStorage(c.storage);
    const log = task.log.child({ checkpoints: storage.describe(task.jobName) });
    return new LocalCheckpointCoordinator(task, storage, intervalMs, timeoutMs, c.retain ?? 3, log, onEvent);
  }

  /**
   * Restores the newest usable checkpoint (else `spec.initialSavepoint`) into the task and returns
   * the source positions to open from (empty without one).
   */
  async restore(): Promise<Record<string, SourcePosition>> {
    this.nextId = await nextCheckpointId(this.storage, this.job);
    const restored = await this.restoreLatest();
    if (restored) return restored;
    const initial = this.task.plan.spec.initialSavepoint;
    if (initial) {
      const loc = locateSnapshot(initial);
      const sources = applyShare(
        this.task,
        await readShare(this.task, { ...loc, storage: openSnapshotStorage(loc) }),
        loc.url,
      );
      this.log.info({ savepoint: loc.url, sources }, "no checkpoint of this job yet: restored spec.initialSavepoint");
      return sources;
    }
    this.log.info("no checkpoint to restore: starting from the sources' start positions");
    return {};
  }

  private async restoreLatest(): Promise<Record<string, SourcePosition> | null> {
    const bound = await this.committedBound();
    for (const c of await listCheckpoints(this.storage, this.job)) {
      if (c.id > bound) {
        this.log.warn(
          { checkpoint: c.id, committed: bound },
          "skipping a checkpoint whose exactly-once output was never committed",
        );
        continue;
      }
      if (!c.complete) {
        this.log.warn({ checkpoint: c.id, problem: c.problem }, "skipping an incomplete checkpoint");
        continue;
      }
      const ref: SnapshotRef = {
        storage: this.storage,
        job: this.job,
        id: c.id,
        kind: "checkpoint",
        url: this.storage.describe(checkpointDir(this.job, c.id)),
      };
      let restored: RestoredCheckpoint;
      try {
        restored = await readShare(this.task, ref);
      } catch (err) {
        if (!(err instanceof CorruptCheckpointError)) throw err;
        this.log.warn({ checkpoint: c.id, err }, "skipping a corrupt checkpoint");
        continue;
      }
      const sources = applyShare(this.task, restored, ref.url);
      this.log.info({ checkpoint: c.id, sources }, "restored checkpoint");
      return sources;
    }
    return null;
  }

  /** The newest checkpoint whose output every two-phase sink has committed (-1: none; +Infinity: no such sinks). */
  private async committedBound(): Promise<number> {
    let bound = Number.POSITIVE_INFINITY;
    for (const { sink } of this.task.sinks.all()) {
      if (!sink.committedCheckpoint) continue;
      bound = Math.min(bound, (await sink.committedCheckpoint()) ?? -1);
    }
    return bound;
  }

  /** Starts the periodic checkpoints; the sources must be open. */
  start(): void {
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
  }

  /** Takes a checkpoint now unless one is in flight. Must run outside the operators' call. */
  trigger(): Promise<void> | null {
    if (this.inFlight || this.aborted) return null;
    const id = this.nextId++;
    const started = performance.now();
    const at = Date.now();
    this.onEvent({ type: "triggered", id, kind: "checkpoint", at });
    const done = this.complete(id, at)
      .then(({ bytes: sizeBytes, operatorBytes, alignmentMs }) => {
        const durationMs = performance.now() - started;
        this.count("completed", { checkpoint: id, ms: Math.round(durationMs) });
        this.onEvent({
          type: "completed",
          id,
          durationMs,
          sizeBytes,
          operatorBytes,
          alignmentMs,
          path: this.storage.describe(checkpointDir(this.job, id)),
        });
      })
      .catch((err: unknown) => {
        this.checkpoints.aborted(id);
        this.count("failed", { checkpoint: id, err });
        this.onEvent({
          type: "failed",
          id,
          durationMs: performance.now() - started,
          reason: err instanceof Error ? err.message : String(err),
        });
      })
      .finally(() => {
        if (this.inFlight === done) this.inFlight = null;
      });
    this.inFlight = done;
    return done;
  }

  private count(result: "completed" | "failed", details: Record<string, unknown>): void {
    this.task.meter.metrics.checkpoints.inc({ ...this.task.labels, result });
    if (result === "completed") this.log.info(details, "checkpoint completed");
    else this.log.warn(details, "checkpoint failed; the job goes on");
  }

  /** Cut, state and manifest within the timeout; then the sinks and sources commit. Resolves with the state's bytes. */
  private async complete(id: number, timestamp: number): Promise<Written> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // After a timeout the write goes on in the background: its storage refuses further objects,
    // so a late manifest cannot appear (one already being put may still land; it is consistent).
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.abandoned.add(id);
        reject(new Error(`checkpoint ${id} took longer than checkpointing.timeout (${this.timeoutMs} ms)`));
      }, this.timeoutMs);
    });
    let written: Written;
    try {
      written = await Promise.race([this.persist(id, timestamp), deadline]);
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
    if (this.aborted) return written;
    // After the manifest and before the sources: a source never commits past output not yet visible.
    await this.checkpoints.complete(id);
    const { deleted } = await applyRetention(this.storage, this.job, this.retain);
    if (deleted.length > 0) this.log.debug({ deleted }, "pruned old checkpoints");
    return written;
  }

  /** Triggers the task's cut, waits for its state, and writes the manifest. */
  private async persist(id: number, timestamp: number): Promise<Written> {
    const acked = new Promise<SubtaskAck>((resolve) => this.waiting.set(id, resolve));
    this.checkpoints.trigger({ checkpointId: id, savepoint: false, stop: false });
    const ack = await acked;
    if (ack.error) throw new Error(ack.error);
    const head = {
      kind: "checkpoint" as const,
      job: this.job,
      checkpointId: id,
      timestamp,
      maxParallelism: this.task.plan.maxParallelism,
      parallelism: 1,
    };
    const { manifest, bytes } = assembleManifest(head, [ack]);
    await writeManifest(
      guarded(this.storage, () => this.aborted || this.abandoned.has(id)),
      manifest,
    );
    const operatorBytes: Record<string, number> = {};
    for (const [op, { subtasks }] of Object.entries(manifest.operators))
      operatorBytes[op] = subtasks.reduce((sum, s) => sum + s.files.reduce((n, f) => n + f.bytes, 0), 0);
    return { bytes, operatorBytes, alignmentMs: ack.alignmentMs ?? 0 };
  }

  /** Stops taking new checkpoints and waits for the one in flight (normal end of the job). */
  async close(): Promise<void> {
    this.stopTimer();
    await this.inFlight;
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * As a kill: no new checkpoint, the one in flight writes nothing more and commits nothing.
   * Resolves once it has settled, so a restart never races it.
   */
  async abort(): Promise<void> {
    this.aborted = true;
    this.stopTimer();
    await this.inFlight;
  }
}

/** A checkpoint's state size, in all and per operator id. */
interface Written {
  bytes: number;
  operatorBytes: Record<string, number>;
  alignmentMs: number;
}

/** The storage, refusing writes once `stopped()` (a timed-out or aborted checkpoint). */
function guarded(storage: CheckpointStorage, stopped: () => boolean): CheckpointStorage {
  return {
    describe: (key) => storage.describe(key),
    get: (key) => storage.get(key),
    list: (prefix) => storage.list(prefix),
    delete: (keys) => storage.delete(keys),
    put: async (key, bytes) => {
      if (stopped()) throw new Error(`checkpoint abandoned before ${storage.describe(key)} was written`);
      await storage.put(key, bytes);
    },
  };
}
