import { sinksExactlyOnce } from "../checkpoint/exactly-once.js";
import type { ConnectorContext, Sink, SourcePosition } from "../connectors/connector.js";
import { createSink, createSource } from "../connectors/registry.js";
import type { Logger } from "../log.js";
import type { EngineMetrics, MetricLabels } from "../metrics/metrics.js";
import type { JobPlan, SinkNode } from "../planner/plan.js";
import { Dataflow } from "./dataflow.js";
import { ExchangeEnds } from "./exchange-ends.js";
import type { ExchangeFactory, ExchangeInput, ExchangeOutput, InputHooks, TaskExchanges } from "./exchange-ports.js";
import type { ExecutionGraph, Outputs } from "./graph.js";
import { OutputRoom } from "./output-room.js";
import { SourceRunner } from "./source-runner.js";
import { type CheckpointTransport, TaskCheckpoints } from "./task-checkpoints.js";
import { TaskMeter } from "./task-meter.js";
import { type ReaderHooks, TaskReader } from "./task-reader.js";
import { TaskSinks, withTimeout } from "./task-sinks.js";

export interface TaskSettings {
  plan: JobPlan;
  /** chainedGraph(plan) for a job in one process; buildExecutionGraph(plan) with exchanges. */
  graph: ExecutionGraph;
  subtask: number;
  parallelism: number;
  metrics: EngineMetrics;
  log: Logger;
  /** Rows a sink may have buffered before sources wait. */
  sinkBufferRows: number;
  /** A sink to use instead of the spec's (tests and benchmarks collect output); undefined: the spec's. */
  sink?: (node: SinkNode, ctx: ConnectorContext) => Sink | undefined;
  /** The exchanges of a distributed subtask (none: every stream is chained). */
  exchanges?: ExchangeFactory;
  /** Stop after this many stream records (then drain: open windows fire). */
  maxRecords?: number;
  /** The stream records reached maxRecords. */
  limitReached?: () => void;
  /** Right before a stop publishes the end-of-time watermark (see ReaderHooks.endOfTime). */
  endOfTime?: () => void;
  /** Called about once a second while running, after the watermarks are published. */
  onTick?: () => void;
}

const NO_EXCHANGES: TaskExchanges = {
  senders: [],
  receivers: new Map(),
  connect: () => {},
  abort: () => {},
  close: () => {},
  rowsSent: () => 0,
  bytesSent: () => 0,
};

/**
 * The task executor: one subtask of every vertex of a job (the whole job in a single process).
 * Sources read their share of splits, operators run chained (Dataflow), sinks write behind
 * bounded buffers, and exchanges (a distributed worker's) carry the streams between subtasks.
 * Its life, step by step: openSinks(), restore (see task-restore.ts), openSources(), process()
 * until every source and input has ended or stopped, drain() the sinks, then commit() the source
 * positions and closeSources(). Checkpoints (enableCheckpoints) cut it in between.
 */
export class Task {
  readonly plan: JobPlan;
  readonly graph: ExecutionGraph;
  readonly subtask: number;
  readonly parallelism: number;
  readonly jobName: string;
  readonly log: Logger;
  readonly labels: MetricLabels;
  readonly meter: TaskMeter;
  readonly flow: Dataflow;
  readonly sinks: TaskSinks;
  readonly exchanges: TaskExchanges;
  readonly reader: TaskReader;
  checkpoints: TaskCheckpoints | null = null;
  private readonly ends: ExchangeEnds;
  private ticker: NodeJS.Timeout | null = null;
  private failWith: (err: Error) => void = () => {};
  private readonly failure = new Promise<never>((_, reject) => (this.failWith = reject));

  constructor(private readonly settings: TaskSettings) {
    const { plan, graph, metrics } = settings;
    this.plan = plan;
    this.graph = graph;
    this.subtask = settings.subtask;
    this.parallelism = settings.parallelism;
    this.jobName = plan.jobName;
    this.log = settings.log;
    this.labels = { job_name: plan.jobName, subtask: String(settings.subtask) };
    this.meter = new TaskMeter(metrics, this.labels);
    this.flow = new Dataflow(
      plan,
      metrics,
      this.labels,
      () => true,
      (node, i) => graph.edgeInto(node.id, i) !== undefined,
    );
    this.sinks = new TaskSinks(
      plan,
      this.flow,
      (s) => this.createSink(s),
      settings.sinkBufferRows,
      (name, n) => this.meter.written(name, n),
    );
    this.exchanges =
      settings.exchanges?.(
        this.flow,
        (outputs) => this.inputHooks(outputs),
        (err) => this.fail(err),
      ) ?? NO_EXCHANGES;
    const runners = plan.sources.map((s) => new SourceRunner(s, createSource(s.spec, this.context(s.name))));
    this.reader = new TaskReader(runners, this.flow, this.meter, this.readerHooks(), settings.maxRecords);
    this.ends = new ExchangeEnds(graph, this.senders);
    this.failure.catch(() => {});
  }

  get senders(): readonly ExchangeOutput[] {
    return this.exchanges.senders;
  }

  get receivers(): ReadonlyMap<number, ExchangeInput> {
    return this.exchanges.receivers;
  }

  /** Whether the sinks commit with checkpoints (two-phase), as the connectors are told. */
  get exactlyOnce(): boolean {
    return sinksExactlyOnce(this.plan.spec);
  }

  private context(name: string): ConnectorContext {
    const { jobName, subtask, parallelism, meter, labels, exactlyOnce } = this;
    return {
      jobName,
      name,
      subtask,
      parallelism,
      metrics: meter.metrics,
      labels,
      log: this.log.child({ connector: name }),
      exactlyOnce,
    };
  }

  private createSink(node: SinkNode): Sink {
    const ctx = this.context(node.name);
    return this.settings.sink?.(node, ctx) ?? createSink(node.spec, node.info, ctx);
  }

  private room(outputs: Outputs): OutputRoom {
    return new OutputRoom(
      outputs.sinks.map((name) => this.sinks.queue(name)),
      outputs.edges.map((e) => this.senders[e]),
      this.sinks,
    );
  }

  private readerHooks(): ReaderHooks {
    return {
      room: (source: string) => this.room(this.graph.outputsOf(source)),
      ended: (source: string) => this.ends.sourceEnded(source),
      endOfTime: () => this.settings.endOfTime?.(),
      limitReached: () => this.settings.limitReached?.(),
    };
  }

  private inputHooks(outputs: Outputs): InputHooks {
    let room: OutputRoom | null = null; // the senders are not wired yet while the exchanges are built
    return {
      waitForRoom: () => (room ??= this.room(outputs)).waitAll(),
      busy: (s) => this.meter.busy(s),
      backpressured: (s) => this.meter.backpressured(s),
      barrier: (edge, from, b) => this.checkpoints?.onBarrier(edge, from, b),
      ended: (edge, from) => this.checkpoints?.onEnded(edge, from),
    };
  }

  /** The task takes part in checkpoints, which `transport` connects to their coordinator. */
  enableCheckpoints(transport: CheckpointTransport): TaskCheckpoints {
    this.checkpoints = new TaskCheckpoints(this, transport);
    return this.checkpoints;
  }

  openSinks(): Promise<void> {
    return this.sinks.open();
  }

  /** Opens the sources at `from` (restored positions) and connects the exchanges. */
  async openSources(from: Record<string, SourcePosition>): Promise<void> {
    await this.reader.open(from);
    this.exchanges.connect();
  }

  /** Runs until every source and every exchange input has ended or stopped. */
  async process(): Promise<void> {
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ends.update();
    const inputs = [...this.receivers].map(([edge, r]) => this.receive(edge, r));
    await Promise.race([Promise.all([this.reader.readAll(), ...inputs]), this.failure]);
  }

  private async receive(edge: number, r: ExchangeInput): Promise<void> {
    await r.run();
    this.ends.edgeEnded(edge);
  }

  private tick(): void {
    this.reader.publishWatermarks(); // lets idle splits release the watermark
    this.flow.processingTime(); // processing-time windows close on the wall clock, rows or not
    this.meter.watermark(this.reader.watermark());
    this.settings.onTick?.();
  }

  stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Writes and flushes what the sinks hold (the end of time has passed), then closes them. */
  async drain(): Promise<void> {
    try {
      await Promise.race([this.sinks.close(), this.failure]);
    } finally {
      this.stopTicker();
    }
  }

  /** Graceful: stop reading; what was read drains through exchanges and sinks. */
  stop(): void {
    this.reader.stop();
  }

  stopAtBarrier(): void {
    this.stopTicker();
    this.reader.stopAtBarrier();
  }

  /** As a kill: reading stops, no end-of-time watermark, nothing is committed. */
  halt(): void {
    this.reader.halt();
  }

  /** A failure outside the loops (a broken exchange connection): process() and drain() fail. */
  fail(err: Error): void {
    this.failWith(err);
  }

  position(source: string): SourcePosition {
    return this.reader.positions.get(source) ?? {};
  }

  async commitPositions(positions: Record<string, SourcePosition>): Promise<void> {
    for (const r of this.reader.runners) if (positions[r.node.name]) await r.source.commit(positions[r.node.name]);
  }

  /** Commits where each source stopped: everything before it has been processed. */
  async commit(): Promise<SourcePosition[]> {
    const committed: SourcePosition[] = [];
    for (const r of this.reader.runners) {
      const at = this.position(r.node.name);
      await r.source.commit(at);
      committed.push(at);
    }
    return committed;
  }

  async closeSources(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const close = (r: SourceRunner) =>
      withTimeout(r.source.close(), timeoutMs).catch((err: unknown) =>
        this.log.warn({ err }, "closing a source failed"),
      );
    await Promise.all(this.reader.runners.map(close));
  }

  watermark(): number {
    return this.reader.watermark();
  }

  /** Each source split's own watermark (the web UI's per-split view). */
  splitWatermarks(): { source: string; split: string; watermark: number; idle: boolean }[] {
    const now = Date.now();
    return this.reader.runners.flatMap((r) =>
      r.splitWatermarks(now).map((w) => ({ ...w, source: r.node.name, split: String(w.split) })),
    );
  }

  lateRecords(): number {
    return this.flow.runners.reduce((s, r) => s + r.operator.lateRecords(), 0);
  }

  consumerLag(): number {
    return this.reader.runners.reduce((s, r) => s + (r.source.lag?.() ?? 0), 0);
  }
}
