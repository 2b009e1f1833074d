import type { RecordBatch } from "apache-arrow";
import { type CheckpointStorage, type SubtaskState, writeOperatorState } from "../checkpoint/index.js";
import type { SourcePosition } from "../connectors/connector.js";
import { concatData, takeBatch } from "../kernels/take.js";
import type { Logger } from "../log.js";
import type { OperatorSnapshot } from "../operators/operator.js";
import { columnsOf, makeBatch } from "../types/column.js";
import { BarrierAligner } from "./barrier-aligner.js";
import type { Dataflow } from "./dataflow.js";
import type { Barrier, ExchangeInput, ExchangeOutput } from "./exchange-ports.js";
import type { ExecutionGraph } from "./graph.js";
import { sinkOutputId } from "./task-restore.js";
import type { TaskSink, TaskSinks } from "./task-sinks.js";

/** What this task wrote for one checkpoint, as acknowledged to the coordinator. */
export interface SubtaskAck {
  checkpointId: number;
  /** Empty on success. */
  error: string;
  state: Record<string, SubtaskState>;
  sources: Record<string, SourcePosition>;
  /** Longest barrier alignment of this task's chains, ms (0 when none has exchange inputs). */
  alignmentMs?: number;
}

/** A checkpoint the coordinator starts (TriggerCheckpoint on the wire). */
export interface CheckpointTrigger {
  checkpointId: number;
  savepoint: boolean;
  /** Stop-with-savepoint: the sources stop right after the cut. */
  stop: boolean;
}

/**
 * How a task's checkpoints reach their coordinator: the local job's (in this process) or the
 * distributed job's (control RPCs). The coordinator triggers, collects the acknowledgement, writes
 * the manifest, then calls complete() or aborted().
 */
export interface CheckpointTransport {
  /** Where checkpoint `id`'s state files go. */
  storage(checkpointId: number): CheckpointStorage;
  ack(a: SubtaskAck): void;
  /**
   * Whether an exactly-once sink's prepared output is stored with the state, so that a restore
   * can commit it when the sink never did (see restoreTask); else the coordinator restores only
   * checkpoints whose output every sink committed.
   */
  storesPreparedOutput: boolean;
}

/** The task as its checkpoints see it. */
export interface CheckpointedTask {
  readonly graph: ExecutionGraph;
  readonly flow: Dataflow;
  readonly subtask: number;
  readonly parallelism: number;
  readonly jobName: string;
  readonly sinks: TaskSinks;
  readonly senders: readonly ExchangeOutput[];
  readonly receivers: ReadonlyMap<number, ExchangeInput>;
  readonly log: Logger;
  /** Position of a source after the last batch the operators processed. */
  position(source: string): SourcePosition;
  /** Commits a completed checkpoint's positions (Kafka offsets, for lag and tools). */
  commitPositions(positions: Record<string, SourcePosition>): Promise<void>;
  /** Stop-with-savepoint: stop reading right after the cut, without an end-of-time watermark. */
  stopAtBarrier(): void;
}

interface InProgress {
  id: number;
  trigger: CheckpointTrigger | null;
  cut: Set<number>;
  snapshots: Map<string, OperatorSnapshot>;
  sources: Record<string, SourcePosition>;
  sinksDone: Promise<void>[];
  writing: boolean;
  alignmentMs: number;
}

/**
 * A task's part of the job's checkpoints (asynchronous barrier snapshotting), the one checkpoint
 * path of local and distributed jobs. Each chain of the execution graph is cut once per
 * checkpoint: chains that start at sources when the coordinator's trigger arrives (any moment
 * between two batches is a consistent cut of a chain, whose operators run synchronously per
 * batch); chains fed by exchanges when the barrier has arrived on all their input channels
 * (BarrierAligner). A single-process job has one chain and no exchanges: its cut is the trigger.
 *
 * A cut snapshots the chain's operators, records its sources' positions, and sends the barrier
 * on: into every outgoing exchange channel, and into each sink's buffer, where it prepares a
 * two-phase sink's transaction, or flushes an at-least-once sink, after the rows before it are
 * written (output of windows that fired before the cut is durable before a checkpoint that no
 * longer holds them exists). Once every chain is cut and every sink has passed its barrier, the
 * state is written — while processing goes on, because snapshot() returns state the operators
 * never change again (KeyGroupState; dictionaries only grow by appending) — and acknowledged.
 * The coordinator writes the manifest and calls complete(): two-phase sinks commit (output
 * visible, atomically with the checkpoint id as their last committed one), then sources commit.
 * A checkpoint that fails is aborted(): its output stays pending and goes with the next one.
 */
export class TaskCheckpoints {
  private readonly pending = new Map<number, InProgress>();
  private readonly aligners = new Map<number, BarrierAligner>();
  /** Vertex of each exchange edge's target. */
  private readonly vertexOfEdge = new Map<number, number>();
  private readonly outEdges = new Map<number, number[]>();
  private finished = false;

  constructor(
    private readonly task: CheckpointedTask,
    private readonly transport: CheckpointTransport,
  ) {
    for (const v of task.graph.vertices) {
      this.outEdges.set(v.id, this.edgesOutOf(v.id));
      this.alignInputsOf(v.id);
    }
  }

  private edgesOutOf(vertexId: number): number[] {
    const { graph } = this.task;
    const v = graph.vertices[vertexId];
    const produced = new Set([
      ...v.sources,
      ...v.operators.map((id) => graph.plan.operators.find((o) => o.id === id)!.output),
    ]);
    return graph.edges.filter((e) => produced.has(e.stream)).map((e) => e.id);
  }

  private alignInputsOf(vertexId: number): void {
    const { graph, parallelism, receivers } = this.task;
    const v = graph.vertices[vertexId];
    const inEdges = graph.edges.filter((e) => v.operators.includes(e.target));
    if (inEdges.length === 0) return;
    for (const e of inEdges) this.vertexOfEdge.set(e.id, v.id);
    const channels = inEdges.flatMap((e) => Array.from({ length: parallelism }, (_, from) => ({ edge: e.id, from })));
    const aligner = new BarrierAligner(
      channels,
      (b, ms) => {
        const entry = this.entry(b.checkpointId);
        entry.alignmentMs = Math.max(entry.alignmentMs, ms);
        this.cut(entry, v.id, b);
      },
      (c) => receivers.get(c.edge)?.release(c.from),
    );
    this.aligners.set(v.id, aligner);
  }

  /** From the receivers: a barrier arrived on a channel. */
  onBarrier(edge: number, from: number, barrier: Barrier): void {
    this.aligners.get(this.vertexOfEdge.get(edge)!)?.onBarrier(edge, from, barrier);
  }

  onEnded(edge: number, from: number): void {
    this.aligners.get(this.vertexOfEdge.get(edge)!)?.onEnded(edge, from);
  }

  /** The task drained: later checkpoints are declined (the end of the run commits everything). */
  markFinished(): void {
    this.finished = true;
  }

  trigger(t: CheckpointTrigger): void {
    if (this.finished) {
      this.transport.ack({
        checkpointId: t.checkpointId,
        error: `subtask ${this.task.subtask} has already finished`,
        state: {},
        sources: {},
      });
      return;
    }
    const entry = this.entry(t.checkpointId);
    entry.trigger = t;
    const barrier: Barrier = { checkpointId: t.checkpointId, stop: t.stop };
    for (const v of this.task.graph.vertices) {
      const aligner = this.aligners.get(v.id);
      if (!aligner || aligner.allEnded()) this.cut(entry, v.id, barrier);
    }
    if (t.stop) this.task.stopAtBarrier();
    this.maybeWrite(entry);
  }

  private entry(id: number): InProgress {
    let e = this.pending.get(id);
    if (!e) {
      e = {
        id,
        trigger: null,
        cut: new Set(),
        snapshots: new Map(),
        sources: {},
        sinksDone: [],
        writing: false,
        alignmentMs: 0,
      };
      this.pending.set(id, e);
    }
    return e;
  }

  private cut(entry: InProgress, vertexId: number, barrier: Barrier): void {
    if (entry.cut.has(vertexId)) return;
    entry.cut.add(vertexId);
    const v = this.task.graph.vertices[vertexId];
    for (const id of v.operators) {
      const snap = this.task.flow.operator(id)!.snapshot();
      if (snap) entry.snapshots.set(id, snap);
    }
    for (const s of v.sources) entry.sources[s] = { ...this.task.position(s) };
    for (const e of this.outEdges.get(vertexId)!) this.task.senders[e].barrier(barrier);
    for (const name of v.sinks)
      entry.sinksDone.push(this.sinkBarrier(entry, this.task.sinks.byName.get(name)!, barrier));
    this.maybeWrite(entry);
  }

  /** The cut in a sink's stream: prepare (two-phase) or flush, after the rows before the cut. */
  private sinkBarrier(entry: InProgress, { name, queue, sink }: TaskSink, barrier: Barrier): Promise<void> {
    const p = queue.barrier(async () => {
      if (!sink.prepareCheckpoint) return sink.flush();
      await sink.prepareCheckpoint(barrier.checkpointId);
      const rows = this.transport.storesPreparedOutput ? sink.preparedOutput?.() : undefined;
      if (rows) entry.snapshots.set(sinkOutputId(name, this.task.subtask), outputSnapshot(rows));
    });
    p.catch(() => {}); // awaited in write(); this only avoids an unhandled rejection meanwhile
    return p;
  }

  private maybeWrite(entry: InProgress): void {
    if (!entry.trigger || entry.writing || entry.cut.size < this.task.graph.vertices.length) return;
    entry.writing = true;
    const t = entry.trigger;
    void this.write(entry, t).then(
      (state) => {
        const { metrics, labels } = this.task.flow;
        metrics.checkpointAlignment.set(labels, entry.alignmentMs / 1000);
        this.transport.ack({
          checkpointId: t.checkpointId,
          error: "",
          state,
          sources: entry.sources,
          alignmentMs: entry.alignmentMs,
        });
      },
      (err: unknown) => {
        this.task.log.warn({ checkpoint: t.checkpointId, err }, "writing this subtask's part of the checkpoint failed");
        this.transport.ack({ checkpointId: t.checkpointId, error: (err as Error).message, state: {}, sources: {} });
      },
    );
  }

  private async write(entry: InProgress, t: CheckpointTrigger): Promise<Record<string, SubtaskState>> {
    await Promise.all(entry.sinksDone);
    const kind = t.savepoint ? "savepoint" : "checkpoint";
    const storage = this.transport.storage(t.checkpointId);
    const { jobName, subtask } = this.task;
    const state: Record<string, SubtaskState> = {};
    for (const [op, snap] of entry.snapshots)
      state[op] = await writeOperatorState(storage, jobName, t.checkpointId, op, subtask, snap, kind);
    entry.snapshots.clear(); // the batches are written: let them go
    return state;
  }

  /** The manifest is written: make the checkpoint's output visible and commit its positions. */
  async complete(id: number): Promise<void> {
    const entry = this.pending.get(id);
    for (const old of this.pending.keys()) if (old <= id) this.pending.delete(old);
    for (const { sink } of this.task.sinks.all()) await sink.commitCheckpoint?.(id);
    if (entry) await this.task.commitPositions(entry.sources);
  }

  aborted(id: number): void {
    this.pending.delete(id);
    for (const a of this.aligners.values()) a.abort(id);
    for (const { sink } of this.task.sinks.all()) sink.checkpointFailed?.(id);
  }
}

/** A sink's prepared output as checkpoint state: one batch under key group 0 (none when empty). */
function outputSnapshot(rows: RecordBatch[]): OperatorSnapshot {
  const parts = rows
    .filter((b) => b.numRows > 0)
    .map((b) =>
      takeBatch(
        b,
        Int32Array.from({ length: b.numRows }, (_, i) => i),
      ),
    );
  if (parts.length === 0) return { meta: { rows: 0 }, keyGroups: new Map() };
  const cols = columnsOf(parts[0]).map((_, c) => concatData(parts.map((p) => columnsOf(p)[c])));
  const n = parts.reduce((s, p) => s + p.numRows, 0);
  return { meta: { rows: n }, keyGroups: new Map([[0, makeBatch(parts[0].schema, cols, n)]]) };
}
