import { sinksExactlyOnce } from "../../checkpoint/exactly-once.js";
import { openCheckpointStorage } from "../../checkpoint/index.js";
import type { ConnectorContext, Sink, SourcePosition } from "../../connectors/connector.js";
import { createSink, createSource } from "../../connectors/registry.js";
import { Dataflow } from "../../engine/dataflow.js";
import { SinkQueue } from "../../engine/sink-queue.js";
import { SourceRunner } from "../../engine/source-runner.js";
import type { Logger } from "../../log.js";
import type { EngineMetrics, MetricLabels } from "../../metrics/metrics.js";
import type { JobPlan, SinkNode } from "../../planner/plan.js";
import type { TriggerCheckpoint, WorkerMetrics } from "../../contract/rpc/messages.js";
import { buildExecutionGraph, type ExecutionGraph, type Outputs } from "../graph.js";
import type { ExchangeReceiver } from "../exchange/inbound.js";
import type { ExchangeServer } from "../exchange/server.js";
import { SubtaskExchanges } from "./exchanges.js";
import { Signal } from "./signal.js";
import { type SubtaskAck, SubtaskCheckpoints } from "./subtask-checkpoints.js";
import { restoreSubtask } from "./subtask-restore.js";

export interface Deployment {
  jobName: string;
  attempt: number;
  subtask: number;
  parallelism: number;
  /** Exchange address of each subtask's worker. */
  peers: string[];
  plan: JobPlan;
  /** URL of the checkpoint or savepoint to restore ("" to start fresh). */
  restoreFrom: string;
}

export interface SubtaskRunOptions {
  metrics: EngineMetrics;
  log: Logger;
  exchange: ExchangeServer;
  /** Batches each exchange channel may have in flight (credits granted up front). */
  credits: number;
  /** Rows an exchange channel may queue before producers wait. */
  channelBufferRows: number;
  /** Rows per exchange frame (larger batches are sliced). */
  frameRows: number;
  sinkBufferRows: number;
  /** Sinks to use instead of the spec's (tests and benchmarks). */
  sinkFactory?: (node: SinkNode, ctx: ConnectorContext) => Sink;
  /** Sends this subtask's checkpoint acknowledgements to the coordinator. */
  ack?: (a: SubtaskAck) => void;
}

/** Thrown by run() when the attempt was cancelled. */
export class CancelledError extends Error {}


const STOPPED = Symbol("stopped");

/**
 * One attempt of one subtask: this worker's share of every vertex (sources read their share of
 * splits, operators see the key groups this subtask owns, sinks write what reaches them). run()
 * resolves once everything is drained: sources stopped or ended, every exchange ended, every sink
 * flushed and closed. Source positions are made durable only by commit(), which the coordinator
 * asks for once every subtask has drained, because records read here may be written by the sinks
 * of any subtask.
 */
export class SubtaskRun {
  private readonly graph: ExecutionGraph;
  private readonly labels: MetricLabels;
  private stopRequested = false;
  /** Stopped by a stop-with-savepoint barrier: no end-of-time watermark follows. */
  private stoppedAtBarrier = false;
  private checkpoints: SubtaskCheckpoints | null = null;
  private cancelled: string | null = null;
  private readonly stopped = new Signal();
  private failWith: (err: Error) => void = () => {};
  private readonly failure = new Promise<never>((_, reject) => (this.failWith = reject));
  private sources: SourceRunner[] = [];
  /** Position after the last batch that went into the dataflow, per source. */
  private readonly positions = new Map<SourceRunner, SourcePosition>();
  private queues: SinkQueue[] = [];
  private exchanges: SubtaskExchanges | null = null;
  private flow: Dataflow | null = null;
  private ticker: NodeJS.Timeout | null = null;
  readonly counters = { recordsIn: 0, recordsOut: 0, busySeconds: 0, backpressuredSeconds: 0 };

  constructor(
    readonly deployment: Deployment,
    private readonly opts: SubtaskRunOptions,
  ) {
    this.graph = buildExecutionGraph(deployment.plan);
    this.labels = { job_name: deployment.jobName, subtask: String(deployment.subtask) };
    this.failure.catch(() => {});
  }

  /** Whether the sinks commit with checkpoints (two-phase), as the connectors are told. */
  get exactlyOnce(): boolean {
    return sinksExactlyOnce(this.deployment.plan.spec);
  }

  /** Builds the dataflow, connects the exchanges and opens connectors; then runs until drained. */
  async run(onRunning: () => void): Promise<void> {
    const { plan, subtask, parallelism, peers, attempt, jobName } = this.deployment;
    const { metrics, log } = this.opts;
    const graph = this.graph;
    const flow = new Dataflow(plan, metrics, this.labels, () => true, (node, i) => graph.edgeInto(node.id, i) !== undefined);
    this.flow = flow;
    const c = plan.spec.checkpointing;
    const exactlyOnce = this.exactlyOnce;
    const ctx = (name: string): ConnectorContext => ({ jobName, name, subtask, parallelism, metrics, labels: this.labels, log: log.child({ connector: name }), exactlyOnce });
    const busy = metrics.busySeconds.labels(this.labels);
    const blocked = metrics.backpressuredSeconds.labels(this.labels);
    const addBusy = (s: number) => {
      this.counters.busySeconds += s;
      busy.inc(s);
    };
    const addBlocked = (s: number) => {
      this.counters.backpressuredSeconds += s;
      blocked.inc(s);
    };

    const sinkByName = new Map<string, SinkQueue>();
    const sinks = new Map<string, { queue: SinkQueue; sink: Sink }>();
    this.queues = plan.sinks.map((s) => {
      const sink = this.opts.sinkFactory?.(s, ctx(s.name)) ?? createSink(s.spec, s.info, ctx(s.name));
      const q = new SinkQueue(s.name, sink, this.opts.sinkBufferRows, (n) => {
        this.counters.recordsOut += n;
        metrics.sinkRecords.inc({ ...this.labels, sink: s.name }, n);
      });
      flow.connect(s.input, { onBatch: (b) => q.push(b), onWatermark: () => {} });
      sinkByName.set(s.name, q);
      sinks.set(s.name, { queue: q, sink });
      return q;
    });
    const roomFor = (outputs: Outputs) => async () => {
      for (const name of outputs.sinks) await sinkByName.get(name)!.waitForRoom();
      for (const e of outputs.edges) await this.exchanges!.senders[e].waitForRoom();
      for (const q of this.queues) if (q.error()) throw q.error()!;
    };

    this.exchanges = new SubtaskExchanges(
      graph,
      flow,
      this.opts.exchange,
      { jobName, attempt, subtask, peers, maxParallelism: plan.maxParallelism, credits: this.opts.credits, channelBufferRows: this.opts.channelBufferRows, frameRows: this.opts.frameRows },
      (outputs) => ({
        waitForRoom: roomFor(outputs),
        busy: addBusy,
        backpressured: addBlocked,
        barrier: (edge, from, b) => this.checkpoints?.onBarrier(edge, from, b),
        ended: (edge, from) => this.checkpoints?.onEnded(edge, from),
      }),
      (err) => this.fail(err),
    );
    const { senders, receivers } = this.exchanges;

    this.sources = plan.sources.map((s) => new SourceRunner(s, createSource(s.spec, ctx(s.name))));
    const byName = new Map(this.sources.map((r) => [r.node.name, r]));
    if (c?.storage) {
      this.checkpoints = new SubtaskCheckpoints({
        graph,
        flow,
        subtask,
        parallelism,
        jobName,
        storage: openCheckpointStorage(c.storage),
        sinks,
        senders,
        receivers,
        position: (name) => this.positions.get(byName.get(name)!) ?? {},
        commitSources: async (positions) => {
          for (const r of this.sources) if (positions[r.node.name]) await r.source.commit(positions[r.node.name]);
        },
        stopAtBarrier: () => this.stopAtBarrier(),
        ack: (a) => this.opts.ack?.(a),
        log,
      });
    }
    // Sinks open first: an exactly-once sink's open() fences the crashed attempt's transaction and
    // tells which checkpoint's output it committed last, which bounds the restore.
    for (const q of this.queues) await q.open();
    const from = this.deployment.restoreFrom ? await restoreSubtask(this.deployment, flow, sinks, log) : {};
    for (const r of this.sources) {
      await r.open(Date.now(), from[r.node.name]);
      this.positions.set(r, r.source.position());
    }
    this.exchanges.connect();
    if (this.cancelled) throw new CancelledError(this.cancelled);
    onRunning();

    const publish = () => {
      for (const r of this.sources) flow.watermark(r.node.name, r.watermark(Date.now()));
      const wm = this.watermark();
      if (Number.isFinite(wm)) metrics.watermarkLag.set(this.labels, (Date.now() - wm) / 1000);
    };
    this.ticker = setInterval(publish, 1000);

    // Ending: an edge's senders end once everything upstream of them has ended.
    const endedSources = new Set<string>();
    const endedEdges = new Set<number>();
    const endedSenders = new Set<number>();
    const endSenders = () => {
      for (const s of senders) {
        if (endedSenders.has(s.edge)) continue;
        const up = graph.upstreamOf(s.edge);
        if (up.sources.every((x) => endedSources.has(x)) && up.edges.every((e) => endedEdges.has(e))) {
          endedSenders.add(s.edge);
          s.end();
        }
      }
    };
    // As in LocalJob: streams wait until this subtask's share of every lookup table is loaded,
    // and tables (which never end) are read until this subtask's streams are done.
    let streamsDone = false;
    const tablesStop = new Signal();
    const tablesLoaded = async () => {
      while (!this.stopRequested && !this.sources.every((r) => r.caughtUp())) await new Promise((res) => setTimeout(res, 20));
    };
    const readLoop = async (r: SourceRunner) => {
      const waitRoom = roomFor(graph.outputsOf(r.node.name));
      if (!r.node.isTable) await tablesLoaded();
      const also = r.node.isTable ? tablesStop : undefined;
      while (!this.stopRequested && !(r.node.isTable && streamsDone)) {
        const t0 = performance.now();
        await this.stopped.race(waitRoom(), STOPPED, also);
        addBlocked((performance.now() - t0) / 1000);
        if (this.stopRequested || (r.node.isTable && streamsDone)) break;
        const got = await this.stopped.race(r.next(Date.now), STOPPED, also);
        if (got === STOPPED || got === null) break;
        this.positions.set(r, r.source.position());
        this.counters.recordsIn += got.batch.numRows;
        metrics.sourceRecords.inc({ ...this.labels, source: r.node.name }, got.batch.numRows);
        const t1 = performance.now();
        flow.emit(r.node.name, got.batch);
        flow.watermark(r.node.name, r.watermark(Date.now()));
        addBusy((performance.now() - t1) / 1000);
        // A source that never waits (a generator, a full Kafka buffer) would otherwise keep the
        // event loop to itself: network reads, credits and flow-control updates wait for a turn.
        await new Promise((res) => setImmediate(res));
      }
      if (this.cancelled) return;
      // Stopped or ended: all of this source's event time has passed (not so when stopped at a
      // savepoint's barrier: the job goes on from there later, and its windows stay open).
      if (!this.stoppedAtBarrier) flow.watermark(r.node.name, Number.POSITIVE_INFINITY);
      endedSources.add(r.node.name);
      endSenders();
    };
    const receive = async (edge: number, r: ExchangeReceiver) => {
      await r.run();
      endedEdges.add(edge);
      endSenders();
    };
    try {
      endSenders();
      const streams = Promise.all(this.sources.filter((r) => !r.node.isTable).map(readLoop)).then(() => {
        streamsDone = true;
        tablesStop.raise();
      });
      const loops = [streams, ...this.sources.filter((r) => r.node.isTable).map(readLoop), ...[...receivers].map(([e, r]) => receive(e, r))];
      await Promise.race([Promise.all(loops), this.failure]);
      if (this.cancelled) throw new CancelledError(this.cancelled);
      await Promise.race([Promise.all(this.queues.map((q) => q.close())), this.failure]);
    } finally {
      if (this.ticker) clearInterval(this.ticker);
    }
    if (this.cancelled) throw new CancelledError(this.cancelled);
    this.checkpoints?.markFinished();
    log.info({ attempt, subtask, recordsIn: this.counters.recordsIn, recordsOut: this.counters.recordsOut }, "subtask drained");
  }

  private stopAtBarrier(): void {
    this.stoppedAtBarrier = true;
    if (this.ticker) clearInterval(this.ticker);
    this.stop();
  }

  triggerCheckpoint(t: TriggerCheckpoint): void {
    if (!this.checkpoints) {
      this.opts.ack?.({ checkpointId: t.checkpointId, error: "the job has no spec.checkpointing.storage", state: {}, sources: {} });
      return;
    }
    this.checkpoints.trigger(t);
  }

  checkpointComplete(id: number): Promise<void> {
    if (!this.checkpoints) return Promise.resolve();
    this.opts.metrics.checkpoints.inc({ ...this.labels, result: "completed" });
    return this.checkpoints.complete(id);
  }

  checkpointAborted(id: number): void {
    if (!this.checkpoints) return;
    this.opts.metrics.checkpoints.inc({ ...this.labels, result: "failed" });
    this.checkpoints.aborted(id);
  }

  /** Graceful: stop reading; what was read drains through exchanges and sinks. */
  stop(): void {
    this.stopRequested = true;
    this.stopped.raise();
  }

  /** A failure outside the loops (a broken exchange connection): the attempt fails. */
  fail(err: Error): void {
    this.failWith(err);
  }

  /** After every subtask drained: commit where each source stopped, then close everything. */
  async commit(): Promise<SourcePosition[]> {
    const committed: SourcePosition[] = [];
    for (const r of this.sources) {
      const at = this.positions.get(r) ?? {};
      await r.source.commit(at);
      committed.push(at);
    }
    await this.close();
    return committed;
  }

  /** Immediate: abort exchanges, close connectors without committing anything. */
  async cancel(reason: string): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.stopRequested = true;
    this.stopped.raise();
    const err = new CancelledError(reason);
    this.exchanges?.abort(err);
    this.failWith(err);
    await Promise.all(this.queues.map((q) => withTimeout(q.abort(), 2000).catch(() => {})));
    await this.close();
  }

  private async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.exchanges?.close();
    await Promise.all(this.sources.map((r) => withTimeout(r.source.close(), 5000).catch((err: unknown) => this.opts.log.warn({ err }, "closing a source failed"))));
  }

  watermark(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const r of this.sources) min = Math.min(min, r.watermark(Date.now()));
    return this.sources.length ? min : Number.NEGATIVE_INFINITY;
  }

  summary(): WorkerMetrics {
    const late = this.flow?.runners.reduce((s, r) => s + r.operator.lateRecords(), 0) ?? 0;
    return {
      recordsIn: this.counters.recordsIn,
      recordsOut: this.counters.recordsOut,
      busySeconds: this.counters.busySeconds,
      backpressuredSeconds: this.counters.backpressuredSeconds,
      rssBytes: process.memoryUsage.rss(),
      watermark: this.watermark(),
      exchangeRowsSent: this.exchanges?.rowsSent() ?? 0,
      exchangeBytesSent: this.exchanges?.bytesSent() ?? 0,
      lateRecords: late,
      consumerLag: this.sources.reduce((s, r) => s + (r.source.lag?.() ?? 0), 0),
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}
