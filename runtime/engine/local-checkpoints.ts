import type { Sink, SourcePosition } from "../connectors/connector.js";
import {
  applyRetention,
  CheckpointConfigError,
  type CheckpointStorage,
  CorruptCheckpointError,
  listCheckpoints,
  locateSnapshot,
  nextCheckpointId,
  openSnapshotStorage,
  openCheckpointStorage,
  readCheckpoint,
  type RestoredCheckpoint,
  writeCheckpoint,
} from "../checkpoint/index.js";
import type { Logger } from "../log.js";
import type { EngineMetrics, MetricLabels } from "../metrics/metrics.js";
import type { OperatorSnapshot } from "../operators/operator.js";
import type { JobPlan } from "../planner/plan.js";
import { parseDuration } from "../contract/spec/duration.js";
import type { Dataflow } from "./dataflow.js";
import { restoreOperators } from "./restore-state.js";
import type { SinkQueue } from "./sink-queue.js";
import type { SourceRunner } from "./source-runner.js";

/** A sink as checkpoints see it: its buffer and the stream that feeds it. */
export interface CheckpointedSink {
  queue: SinkQueue;
  sink: Sink;
  input: string;
}

/** What a checkpoint captured at its cut, before the asynchronous write. */
interface Cut {
  id: number;
  operators: Map<string, OperatorSnapshot | null>;
  sources: Record<string, SourcePosition>;
  /** Rows pushed into each sink's buffer before the cut (index = sink). */
  sinkRows: number[];
  /** Two-phase sinks: their prepare at the cut, run in order with their writes (index = sink). */
  prepared: (Promise<void> | null)[];
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * Periodic checkpoints and recovery for a job running in one process (`sabot run`).
 *
 * The cut: operators run synchronously inside one call per batch, so any moment outside that call
 * (a timer callback) is a consistent cut of the whole job — no barriers to align. The cut takes
 * every operator's snapshot() and the position of every source after the last batch the operators
 * have processed (tracked by `processed`, not read from the source then: a read loop may hold a
 * batch the source has returned but the operators have not seen yet).
 *
 * Snapshots are written while processing goes on. That is safe because snapshot() returns state
 * the operator never changes again: joins return views of their append-only buffers, window
 * aggregates flat copies of their state arrays, which the write gathers key group by key group
 * (see KeyGroupState);
 * dictionary columns may share an operator's dictionary, which only ever grows by appending.
 *
 * Completion, in order: the rows pushed to each sink before the cut are written and the sink
 * flushed (at-least-once: output of windows that fired before the cut is durable before a
 * checkpoint that no longer holds them exists); the state files and the manifest are written;
 * the sources commit the recorded positions (Kafka offsets); old checkpoints are pruned. At most
 * one checkpoint is in flight; a failed or timed-out one is logged and counted, and the job goes on.
 *
 * Exactly-once sinks (two-phase commit, e.g. the Kafka sink's transactions) instead get a barrier
 * in their buffer at the cut: prepareCheckpoint(id) runs after the rows before the cut are written
 * and before any row after it. Once the manifest is written, each commits (commitCheckpoint:
 * output visible, atomically with recording `id` as its last committed checkpoint), then sources
 * commit and retention runs. A checkpoint that fails tells them (checkpointFailed): its output
 * stays pending and is committed with the next checkpoint that completes. Recovery restores the
 * newest checkpoint no newer than the oldest of the sinks' last committed checkpoints, so a crash
 * between a manifest and the sinks' commit re-runs from the checkpoint whose output is visible
 * (the crashed run's open transactions are aborted when the sinks open) — nothing lost, nothing
 * twice. Retention runs only after the commit, so that checkpoint is still there.
 */
export class LocalCheckpoints {
  private readonly positions = new Map<string, SourcePosition>();
  /** The job's sources, which commit the positions of each completed checkpoint. */
  private runners: SourceRunner[] = [];
  private readonly sinkRows: number[];
  private nextId = 1;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Set by abort(): nothing more is written or committed. */
  private aborted = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly retain: number;
  private readonly job: string;

  private constructor(
    private readonly plan: JobPlan,
    private readonly storage: CheckpointStorage,
    private readonly flow: Dataflow,
    private readonly sinks: CheckpointedSink[],
    private readonly metrics: EngineMetrics,
    private readonly labels: MetricLabels,
    private readonly log: Logger,
  ) {
    const c = plan.spec.checkpointing!;
    this.job = plan.jobName;
    this.intervalMs = parseDuration(c.interval!);
    this.timeoutMs = c.timeout ? parseDuration(c.timeout) : DEFAULT_TIMEOUT_MS;
    this.retain = c.retain ?? 3;
    if (!(this.intervalMs > 0)) throw new CheckpointConfigError(`checkpointing.interval must be positive, got ${c.interval}`);
    this.sinkRows = sinks.map(() => 0);
    sinks.forEach((s, i) => flow.connect(s.input, { onBatch: (b) => (this.sinkRows[i] += b.numRows), onWatermark: () => {} }));
  }

  /** Checkpoints of the job, or null when `spec.checkpointing` has no interval or no storage. */
  static create(
    plan: JobPlan,
    flow: Dataflow,
    sinks: CheckpointedSink[],
    ctx: { metrics: EngineMetrics; labels: MetricLabels; log: Logger },
  ): LocalCheckpoints | null {
    const c = plan.spec.checkpointing;
    if (!c?.interval || !c.storage) return null;
    const storage = openCheckpointStorage(c.storage);
    return new LocalCheckpoints(plan, storage, flow, sinks, ctx.metrics, ctx.labels, ctx.log.child({ checkpoints: storage.describe(plan.jobName) }));
  }

  /**
   * Restores the newest usable checkpoint into the operators and returns the source positions to
   * open from (empty without one). A checkpoint whose files fail their checksum is skipped for
   * the one before it.
   */
  async restore(): Promise<Record<string, SourcePosition>> {
    this.nextId = await nextCheckpointId(this.storage, this.job);
    const bound = await this.committedBound();
    for (const c of await listCheckpoints(this.storage, this.job)) {
      if (c.id > bound) {
        this.log.warn({ checkpoint: c.id, committed: bound }, "skipping a checkpoint whose exactly-once output was never committed");
        continue;
      }
      if (!c.complete) {
        this.log.warn({ checkpoint: c.id, problem: c.problem }, "skipping an incomplete checkpoint");
        continue;
      }
      let restored: RestoredCheckpoint;
      try {
        restored = await readCheckpoint(this.storage, this.job, c.id, { maxParallelism: this.plan.maxParallelism });
      } catch (err) {
        if (!(err instanceof CorruptCheckpointError)) throw err;
        this.log.warn({ checkpoint: c.id, err }, "skipping a corrupt checkpoint");
        continue;
      }
      restoreOperators(this.flow, this.plan, restored, this.storage.describe(`${this.job}/chk-${c.id}`), this.log);
      this.log.info({ checkpoint: c.id, sources: restored.sources }, "restored checkpoint");
      return restored.sources;
    }
    const initial = this.plan.spec.initialSavepoint;
    if (initial) {
      const loc = locateSnapshot(initial);
      const restored = await readCheckpoint(openSnapshotStorage(loc), loc.job, loc.id, { kind: loc.kind, maxParallelism: this.plan.maxParallelism });
      restoreOperators(this.flow, this.plan, restored, loc.url, this.log);
      this.log.info({ savepoint: loc.url, sources: restored.sources }, "no checkpoint of this job yet: restored spec.initialSavepoint");
      return restored.sources;
    }
    this.log.info("no checkpoint to restore: starting from the sources' start positions");
    return {};
  }

  /** The newest checkpoint whose output every two-phase sink has committed (-1: none; +Infinity: no such sinks). */
  private async committedBound(): Promise<number> {
    let bound = Number.POSITIVE_INFINITY;
    for (const s of this.sinks) {
      if (!s.sink.committedCheckpoint) continue;
      bound = Math.min(bound, (await s.sink.committedCheckpoint()) ?? -1);
    }
    return bound;
  }

  /** Starts the periodic checkpoints; the sources must be open and none of their reads pending. */
  start(runners: SourceRunner[]): void {
    this.runners = runners;
    for (const r of runners) this.positions.set(r.node.name, r.source.position());
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
  }

  /** The operators have processed the batch `r` returned last: its position is part of the state. */
  processed(r: SourceRunner): void {
    this.positions.set(r.node.name, r.source.position());
  }

  /** Takes a checkpoint now unless one is in flight. Must run outside the operators' call. */
  trigger(): Promise<void> | null {
    if (this.inFlight || this.aborted) return null;
    const operators = new Map<string, OperatorSnapshot | null>();
    for (const r of this.flow.runners) operators.set(r.node.id, r.operator.snapshot());
    const id = this.nextId++;
    const cut: Cut = {
      id,
      operators,
      sources: Object.fromEntries([...this.positions].map(([name, p]) => [name, { ...p }])),
      sinkRows: [...this.sinkRows],
      prepared: this.sinks.map((s) => {
        if (!s.sink.prepareCheckpoint) return null;
        const p = s.queue.barrier(() => s.sink.prepareCheckpoint!(id));
        p.catch(() => {}); // awaited in write(); this only avoids an unhandled rejection meanwhile
        return p;
      }),
    };
    const started = performance.now();
    const done = this.complete(cut)
      .then(() => {
        this.metrics.checkpoints.inc({ ...this.labels, result: "completed" });
        this.log.info({ checkpoint: cut.id, ms: Math.round(performance.now() - started) }, "checkpoint completed");
      })
      .catch((err: unknown) => {
        for (const s of this.sinks) s.sink.checkpointFailed?.(cut.id);
        this.metrics.checkpoints.inc({ ...this.labels, result: "failed" });
        this.log.warn({ checkpoint: cut.id, err }, "checkpoint failed; the job goes on");
      })
      .finally(() => {
        if (this.inFlight === done) this.inFlight = null;
      });
    this.inFlight = done;
    return done;
  }

  private async complete(cut: Cut): Promise<void> {
    let timedOut = false;
    // After a timeout the write goes on in the background: its storage refuses further objects,
    // so a late manifest cannot appear (one already being put may still land; it is consistent).
    const storage = guarded(this.storage, () => timedOut || this.aborted);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`checkpoint ${cut.id} took longer than checkpointing.timeout (${this.timeoutMs} ms)`));
      }, this.timeoutMs);
    });
    try {
      await Promise.race([this.write(cut, storage), deadline]);
    } finally {
      clearTimeout(timer);
    }
    if (this.aborted) return;
    // After the manifest and before the sources: a source never commits past output not yet visible.
    for (const s of this.sinks) await s.sink.commitCheckpoint?.(cut.id);
    await Promise.all(
      this.runners.map((r) => {
        const pos = cut.sources[r.node.name];
        return pos ? r.source.commit(pos) : Promise.resolve();
      }),
    );
    const { deleted } = await applyRetention(this.storage, this.job, this.retain);
    if (deleted.length > 0) this.log.debug({ deleted }, "pruned old checkpoints");
  }

  private async write(cut: Cut, storage: CheckpointStorage): Promise<void> {
    await Promise.all(this.sinks.map((s, i) => cut.prepared[i] ?? flushedUpTo(s, cut.sinkRows[i])));
    await writeCheckpoint(storage, this.job, cut.id, {
      operators: cut.operators,
      sources: cut.sources,
      parallelism: 1,
      maxParallelism: this.plan.maxParallelism,
    });
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

/** Waits until the sink has written `rows` rows (all pushed before a cut), then flushes it. */
async function flushedUpTo(s: CheckpointedSink, rows: number): Promise<void> {
  while (s.queue.written < rows) {
    const err = s.queue.error();
    if (err) throw err;
    await new Promise((r) => setTimeout(r, 5));
  }
  await s.sink.flush();
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
