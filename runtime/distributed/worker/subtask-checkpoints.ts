import type { RecordBatch } from "apache-arrow";
import type { Sink, SourcePosition } from "../../connectors/connector.js";
import { type CheckpointStorage, type SubtaskState, writeOperatorState } from "../../checkpoint/index.js";
import type { Dataflow } from "../../engine/dataflow.js";
import type { SinkQueue } from "../../engine/sink-queue.js";
import type { Logger } from "../../log.js";
import type { OperatorSnapshot } from "../../operators/operator.js";
import type { TriggerCheckpoint } from "../../contract/rpc/messages.js";
import type { ExecutionGraph } from "../graph.js";
import type { ExchangeReceiver } from "../exchange/inbound.js";
import type { Barrier, ExchangeSender } from "../exchange/outbound.js";
import { sinkOutputId } from "../../engine/restore-state.js";
import { concatData, takeBatch } from "../../kernels/take.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import { BarrierAligner } from "./barrier-aligner.js";

/** A sink's prepared output as checkpoint state: one batch under key group 0 (none when empty). */
function outputSnapshot(rows: RecordBatch[]): OperatorSnapshot {
  const parts = rows.filter((b) => b.numRows > 0).map((b) => takeBatch(b, Int32Array.from({ length: b.numRows }, (_, i) => i)));
  if (parts.length === 0) return { meta: { rows: 0 }, keyGroups: new Map() };
  const cols = columnsOf(parts[0]).map((_, c) => concatData(parts.map((p) => columnsOf(p)[c])));
  const n = parts.reduce((s, p) => s + p.numRows, 0);
  return { meta: { rows: n }, keyGroups: new Map([[0, makeBatch(parts[0].schema, cols, n)]]) };
}

/** What this subtask wrote for one checkpoint, as acknowledged to the coordinator. */
export interface SubtaskAck {
  checkpointId: number;
  /** Empty on success. */
  error: string;
  state: Record<string, SubtaskState>;
  sources: Record<string, SourcePosition>;
}

export interface CheckpointWiring {
  graph: ExecutionGraph;
  flow: Dataflow;
  subtask: number;
  parallelism: number;
  jobName: string;
  storage: CheckpointStorage;
  sinks: Map<string, { queue: SinkQueue; sink: Sink }>;
  senders: ExchangeSender[];
  receivers: Map<number, ExchangeReceiver>;
  /** Position of each source after the last batch the operators processed. */
  position(source: string): SourcePosition;
  /** Commits a completed checkpoint's positions (Kafka offsets, for lag and tools). */
  commitSources(positions: Record<string, SourcePosition>): Promise<void>;
  /** Stop-with-savepoint: stop reading right after the cut, without an end-of-time watermark. */
  stopAtBarrier(): void;
  ack(a: SubtaskAck): void;
  log: Logger;
}

interface InProgress {
  id: number;
  trigger: TriggerCheckpoint | null;
  cut: Set<number>;
  snapshots: Map<string, OperatorSnapshot>;
  sources: Record<string, SourcePosition>;
  sinksDone: Promise<void>[];
  writing: boolean;
}

/**
 * This subtask's part of the job's checkpoints (asynchronous barrier snapshotting). Each chain
 * of the execution graph is cut once per checkpoint: chains that start at sources when the
 * coordinator's trigger arrives (any moment between two batches is a consistent cut of a chain,
 * whose operators run synchronously per batch); chains fed by exchanges when the barrier has
 * arrived on all their input channels (BarrierAligner). A cut snapshots the chain's operators,
 * records its sources' positions, and sends the barrier on: into every outgoing exchange channel,
 * and into each sink's buffer (where it prepares a two-phase sink's transaction, or flushes an
 * at-least-once sink, after the rows before it are written). Once every chain is cut and every
 * sink has passed its barrier, the state is written — while processing goes on, because
 * snapshot() returns state the operators never change again (KeyGroupState) — and acknowledged; the coordinator
 * writes the manifest and calls complete().
 */
export class SubtaskCheckpoints {
  private readonly pending = new Map<number, InProgress>();
  private readonly aligners = new Map<number, BarrierAligner>();
  /** Vertex of each exchange edge's target. */
  private readonly vertexOfEdge = new Map<number, number>();
  private readonly outEdges = new Map<number, number[]>();
  private finished = false;

  constructor(private readonly w: CheckpointWiring) {
    const { graph } = w;
    for (const v of graph.vertices) {
      const produced = new Set([...v.sources, ...v.operators.map((id) => graph.plan.operators.find((o) => o.id === id)!.output)]);
      this.outEdges.set(v.id, graph.edges.filter((e) => produced.has(e.stream)).map((e) => e.id));
      const inEdges = graph.edges.filter((e) => v.operators.includes(e.target));
      if (inEdges.length === 0) continue;
      for (const e of inEdges) this.vertexOfEdge.set(e.id, v.id);
      const channels = inEdges.flatMap((e) => Array.from({ length: w.parallelism }, (_, from) => ({ edge: e.id, from })));
      this.aligners.set(
        v.id,
        new BarrierAligner(
          channels,
          (b) => this.cut(this.entry(b.checkpointId), v.id, b),
          (c) => w.receivers.get(c.edge)?.release(c.from),
        ),
      );
    }
  }

  /** From the receivers: a barrier arrived on a channel. */
  onBarrier(edge: number, from: number, barrier: Barrier): void {
    this.aligners.get(this.vertexOfEdge.get(edge)!)?.onBarrier(edge, from, barrier);
  }

  onEnded(edge: number, from: number): void {
    this.aligners.get(this.vertexOfEdge.get(edge)!)?.onEnded(edge, from);
  }

  /** The run drained: later checkpoints are declined (the end of the run commits everything). */
  markFinished(): void {
    this.finished = true;
  }

  trigger(t: TriggerCheckpoint): void {
    if (this.finished) {
      this.w.ack({ checkpointId: t.checkpointId, error: `subtask ${this.w.subtask} has already finished`, state: {}, sources: {} });
      return;
    }
    const entry = this.entry(t.checkpointId);
    entry.trigger = t;
    const barrier: Barrier = { checkpointId: t.checkpointId, stop: t.stop };
    for (const v of this.w.graph.vertices) {
      const aligner = this.aligners.get(v.id);
      if (!aligner || aligner.allEnded()) this.cut(entry, v.id, barrier);
    }
    if (t.stop) this.w.stopAtBarrier();
    this.maybeWrite(entry);
  }

  private entry(id: number): InProgress {
    let e = this.pending.get(id);
    if (!e) {
      e = { id, trigger: null, cut: new Set(), snapshots: new Map(), sources: {}, sinksDone: [], writing: false };
      this.pending.set(id, e);
    }
    return e;
  }

  private cut(entry: InProgress, vertexId: number, barrier: Barrier): void {
    if (entry.cut.has(vertexId)) return;
    entry.cut.add(vertexId);
    const v = this.w.graph.vertices[vertexId];
    for (const id of v.operators) {
      const snap = this.w.flow.operator(id)!.snapshot();
      if (snap) entry.snapshots.set(id, snap);
    }
    for (const s of v.sources) entry.sources[s] = { ...this.w.position(s) };
    for (const e of this.outEdges.get(vertexId)!) this.w.senders[e].barrier(barrier);
    for (const name of v.sinks) {
      const { queue, sink } = this.w.sinks.get(name)!;
      const p = queue.barrier(async () => {
        if (!sink.prepareCheckpoint) return sink.flush();
        await sink.prepareCheckpoint(barrier.checkpointId);
        const rows = sink.preparedOutput?.();
        if (rows) entry.snapshots.set(sinkOutputId(name, this.w.subtask), outputSnapshot(rows));
      });
      p.catch(() => {}); // awaited in maybeWrite(); this only avoids an unhandled rejection meanwhile
      entry.sinksDone.push(p);
    }
    this.maybeWrite(entry);
  }

  private maybeWrite(entry: InProgress): void {
    if (!entry.trigger || entry.writing || entry.cut.size < this.w.graph.vertices.length) return;
    entry.writing = true;
    const t = entry.trigger;
    void this.write(entry, t).then(
      (state) => this.w.ack({ checkpointId: t.checkpointId, error: "", state, sources: entry.sources }),
      (err: unknown) => {
        this.w.log.warn({ checkpoint: t.checkpointId, err }, "writing this subtask's part of the checkpoint failed");
        this.w.ack({ checkpointId: t.checkpointId, error: (err as Error).message, state: {}, sources: {} });
      },
    );
  }

  private async write(entry: InProgress, t: TriggerCheckpoint): Promise<Record<string, SubtaskState>> {
    await Promise.all(entry.sinksDone);
    const kind = t.savepoint ? "savepoint" : "checkpoint";
    const state: Record<string, SubtaskState> = {};
    for (const [op, snap] of entry.snapshots) state[op] = await writeOperatorState(this.w.storage, this.w.jobName, t.checkpointId, op, this.w.subtask, snap, kind);
    entry.snapshots.clear(); // the batches are written: let them go
    return state;
  }

  /** The manifest is written: make the checkpoint's output visible and commit its positions. */
  async complete(id: number): Promise<void> {
    const entry = this.pending.get(id);
    for (const old of this.pending.keys()) if (old <= id) this.pending.delete(old);
    for (const { sink } of this.w.sinks.values()) await sink.commitCheckpoint?.(id);
    if (entry) await this.w.commitSources(entry.sources);
  }

  aborted(id: number): void {
    this.pending.delete(id);
    for (const a of this.aligners.values()) a.abort(id);
    for (const { sink } of this.w.sinks.values()) sink.checkpointFailed?.(id);
  }
}
