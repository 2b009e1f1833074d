import type { EngineMetrics, MetricLabels } from "../metrics/metrics.js";

/** A task's running totals (heartbeats, run summaries) and the Prometheus series behind them. */
export class TaskMeter {
  /** Rows read from every source, lookup tables included. */
  recordsIn = 0;
  /** Rows read from stream sources (what --max-records bounds). */
  streamRecordsIn = 0;
  recordsOut = 0;
  busySeconds = 0;
  backpressuredSeconds = 0;
  private readonly busyCounter: ReturnType<EngineMetrics["busySeconds"]["labels"]>;
  private readonly blockedCounter: ReturnType<EngineMetrics["busySeconds"]["labels"]>;

  constructor(
    readonly metrics: EngineMetrics,
    readonly labels: MetricLabels,
  ) {
    this.busyCounter = metrics.busySeconds.labels(labels);
    this.blockedCounter = metrics.backpressuredSeconds.labels(labels);
  }

  busy(seconds: number): void {
    this.busySeconds += seconds;
    this.busyCounter.inc(seconds);
  }

  backpressured(seconds: number): void {
    this.backpressuredSeconds += seconds;
    this.blockedCounter.inc(seconds);
  }

  read(source: string, rows: number, table: boolean): void {
    this.recordsIn += rows;
    if (!table) this.streamRecordsIn += rows;
    this.metrics.sourceRecords.inc({ ...this.labels, source }, rows);
  }

  written(sink: string, rows: number): void {
    this.recordsOut += rows;
    this.metrics.sinkRecords.inc({ ...this.labels, sink }, rows);
  }

  watermark(wm: number): void {
    if (Number.isFinite(wm)) this.metrics.watermarkLag.set(this.labels, (Date.now() - wm) / 1000);
  }
}
