import type { RecordBatch } from "apache-arrow";
import type { EngineMetrics, MetricLabels } from "../metrics/metrics.js";
import type { Operator } from "../operators/operator.js";
import type { JobPlan, OperatorNode } from "../planner/plan.js";

/** Something that receives a stream: an operator's input port, a sink, or a network exchange. */
export interface StreamConsumer {
  onBatch(batch: RecordBatch): void;
  onWatermark(watermark: number): void;
}

/** Runs one operator: tracks the watermark of each input and counts records for metrics. */
class OperatorRunner {
  private readonly inputWatermarks: number[];
  private watermark = Number.NEGATIVE_INFINITY;
  private reportedLate = 0;

  constructor(
    readonly node: OperatorNode,
    readonly operator: Operator,
    private readonly flow: Dataflow,
    /** Inputs that never hold the watermark back (a lookup join's table). */
    ignoredInputs: Set<number>,
  ) {
    this.inputWatermarks = node.inputs.map((_, i) =>
      ignoredInputs.has(i) ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
    );
  }

  port(input: number): StreamConsumer {
    return {
      onBatch: (batch) => this.onBatch(batch, input),
      onWatermark: (wm) => this.onWatermark(wm, input),
    };
  }

  private onBatch(batch: RecordBatch, input: number): void {
    const m = this.flow.metrics;
    const labels = { ...this.flow.labels, operator: this.node.id };
    m.recordsIn.inc(labels, batch.numRows);
    m.batchSize.observe(labels, batch.numRows);
    for (const out of this.operator.processBatch(batch, input)) this.emit(out);
    this.reportLate();
  }

  private onWatermark(wm: number, input: number): void {
    if (wm <= this.inputWatermarks[input]) return;
    this.inputWatermarks[input] = wm;
    const min = Math.min(...this.inputWatermarks);
    if (min <= this.watermark) return;
    this.watermark = min;
    for (const out of this.operator.processWatermark(min)) this.emit(out);
    this.flow.watermark(this.node.output, min - (this.operator.watermarkDelay ?? 0));
  }

  /** The operator's processing-time timers (the task's ticker). */
  onProcessingTime(): void {
    if (!this.operator.onProcessingTime) return;
    for (const out of this.operator.onProcessingTime()) this.emit(out);
  }

  private emit(batch: RecordBatch): void {
    if (batch.numRows === 0) return;
    this.flow.metrics.recordsOut.inc({ ...this.flow.labels, operator: this.node.id }, batch.numRows);
    this.flow.emit(this.node.output, batch);
  }

  private reportLate(): void {
    const late = this.operator.lateRecords();
    if (late > this.reportedLate) {
      this.flow.metrics.lateRecords.inc({ ...this.flow.labels, operator: this.node.id }, late - this.reportedLate);
      this.reportedLate = late;
    }
  }
}

/**
 * The operator graph of one subtask, wired stream by stream. Operators run synchronously inside
 * `emit`, so a batch travels the whole chain in one call with no queue between operators: the
 * only buffers are at sinks and exchanges, which is where backpressure is applied.
 */
export class Dataflow {
  private readonly consumers = new Map<string, StreamConsumer[]>();
  private readonly detached = new Map<string, StreamConsumer>();
  readonly runners: OperatorRunner[] = [];

  constructor(
    plan: JobPlan,
    readonly metrics: EngineMetrics,
    readonly labels: MetricLabels,
    /** Which operator steps this subtask runs (all, in a single process). */
    include: (node: OperatorNode) => boolean = () => true,
    /**
     * Operator inputs fed by a network exchange rather than by their stream in this process
     * (distributed jobs): they are left unconnected and the executor feeds `inputPort()`.
     */
    exchanged: (node: OperatorNode, input: number) => boolean = () => false,
  ) {
    const tables = new Set(plan.sources.filter((s) => s.isTable).map((s) => s.name));
    for (const node of plan.operators) {
      if (!include(node)) continue;
      const ignored = new Set(node.inputs.flatMap((s, i) => (tables.has(s) ? [i] : [])));
      const runner = new OperatorRunner(node, node.create(), this, ignored);
      this.runners.push(runner);
      node.inputs.forEach((stream, i) => {
        if (exchanged(node, i)) this.detached.set(`${node.id}#${i}`, runner.port(i));
        else this.connect(stream, runner.port(i));
      });
    }
  }

  /** The port of an exchanged operator input (see the constructor's `exchanged`). */
  inputPort(nodeId: string, input: number): StreamConsumer {
    const port = this.detached.get(`${nodeId}#${input}`);
    if (!port) throw new Error(`operator ${nodeId} input ${input} is not fed by an exchange`);
    return port;
  }

  connect(stream: string, consumer: StreamConsumer): void {
    const list = this.consumers.get(stream) ?? [];
    list.push(consumer);
    this.consumers.set(stream, list);
  }

  emit(stream: string, batch: RecordBatch): void {
    const list = this.consumers.get(stream);
    if (list) for (const c of list) c.onBatch(batch);
  }

  watermark(stream: string, wm: number): void {
    const list = this.consumers.get(stream);
    if (list) for (const c of list) c.onWatermark(wm);
  }

  /** Fires the operators' processing-time timers (called about once a second). */
  processingTime(): void {
    for (const r of this.runners) r.onProcessingTime();
  }

  operator(id: string): Operator | undefined {
    return this.runners.find((r) => r.node.id === id)?.operator;
  }
}
