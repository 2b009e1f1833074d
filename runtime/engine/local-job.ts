import { sinksExactlyOnce } from "../checkpoint/exactly-once.js";
import { createSink, createSource } from "../connectors/registry.js";
import type { ConnectorContext, Sink, SourceBatch } from "../connectors/connector.js";
import { log as rootLog, type Logger } from "../log.js";
import { EngineMetrics } from "../metrics/metrics.js";
import type { JobPlan } from "../planner/plan.js";
import { Dataflow } from "./dataflow.js";
import { type CheckpointedSink, LocalCheckpoints } from "./local-checkpoints.js";
import { SinkQueue } from "./sink-queue.js";
import { SourceRunner } from "./source-runner.js";

export interface LocalRunOptions {
  /** Stop reading after this many source records (then drain: open windows fire). */
  maxRecords?: number;
  /** Stop reading after this long (then drain). */
  durationMs?: number;
  /** Rows a sink may have buffered before sources wait. */
  sinkBufferRows?: number;
  metrics?: EngineMetrics;
  log?: Logger;
  /** Sinks to use instead of the spec's, by sink name (tests and benchmarks collect output). */
  sinks?: Record<string, Sink>;
  /** Called about once a second while running. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedMs: number;
  recordsIn: number;
  recordsOut: number;
  watermark: number;
  /** Kafka consumer lag summed over partitions (0 without Kafka sources). */
  lag: number;
}

export interface RunSummary extends Progress {
  lateRecords: number;
  /** Why reading stopped. */
  reason: "end-of-input" | "max-records" | "duration" | "stopped" | "aborted" | "terminated";
}

/**
 * Runs a whole job in this process: every source, operator and sink of the plan, parallelism 1.
 * This is `sabot run` and the engine inside each worker of a distributed job.
 */
export class LocalJob {
  readonly metrics: EngineMetrics;
  private readonly log: Logger;
  private stopRequested: RunSummary["reason"] | null = null;
  /** Wakes reads that are waiting on a quiet source when a stop is requested. */
  private readonly wakers = new Set<() => void>();
  private startedAt = 0;
  private aborted = false;
  /** terminate() with exactly-once sinks: aborted, and the sinks drop their open output. */
  private terminated = false;

  constructor(
    readonly plan: JobPlan,
    private readonly opts: LocalRunOptions = {},
  ) {
    this.metrics = opts.metrics ?? new EngineMetrics();
    this.log = opts.log ?? rootLog.child({ job: plan.jobName });
  }

  /** Asks the job to stop reading and drain; `run()` then resolves. */
  stop(): void {
    this.requestStop("stopped");
  }

  /**
   * Stops as a kill would: no window fires, sinks are neither drained nor flushed, no source
   * position is committed, and a checkpoint in flight is abandoned. A restart recovers from the
   * latest checkpoint. For tests of recovery; `run()` resolves once reading has stopped.
   */
  abort(): void {
    this.aborted = true;
    this.requestStop("aborted");
  }

  /**
   * SIGTERM or Ctrl-C. With exactly-once sinks the job's next start restores its latest
   * checkpoint, so output after that checkpoint must not be committed now (it would be written
   * twice), nor source offsets (a start without a checkpoint would skip that input): the run stops
   * as abort() does, and the sinks drop their uncommitted output. Otherwise as stop().
   */
  terminate(): void {
    if (!sinksExactlyOnce(this.plan.spec)) return this.stop();
    this.terminated = true;
    this.aborted = true;
    this.requestStop("terminated");
  }

  private requestStop(reason: RunSummary["reason"]): void {
    this.stopRequested ??= reason;
    for (const wake of this.wakers) wake();
  }

  /**
   * The source's next batch, or null when a stop is requested while the read still waits (a quiet
   * Kafka topic would otherwise hold the stop forever). A fresh wake-up promise per read, dropped
   * afterwards, so no batch stays referenced from a long-lived promise.
   */
  private async nextUnlessStopped(r: SourceRunner): Promise<SourceBatch | null> {
    // A stop requested while the read loop waited for sink room has no waker to wake: check here.
    if (this.stopRequested) return null;
    let wake!: () => void;
    const stopped = new Promise<null>((resolve) => (wake = () => resolve(null)));
    this.wakers.add(wake);
    try {
      const got = await Promise.race([r.next(Date.now), stopped]);
      if (got === null && this.stopRequested) r.abandonPendingRead();
      return got;
    } finally {
      this.wakers.delete(wake);
    }
  }

  async run(): Promise<RunSummary> {
    const labels = { job_name: this.plan.jobName, subtask: "0" };
    const flow = new Dataflow(this.plan, this.metrics, labels);
    const ctx = (name: string): ConnectorContext => ({
      jobName: this.plan.jobName,
      name,
      subtask: 0,
      parallelism: 1,
      metrics: this.metrics,
      labels,
      log: this.log.child({ connector: name }),
      exactlyOnce: sinksExactlyOnce(this.plan.spec),
    });
    let recordsOut = 0;
    const checkpointed: CheckpointedSink[] = [];
    const queues = this.plan.sinks.map((s) => {
      const sink = this.opts.sinks?.[s.name] ?? createSink(s.spec, s.info, ctx(s.name));
      const q = new SinkQueue(s.name, sink, this.opts.sinkBufferRows ?? 65_536, (n) => {
        recordsOut += n;
        this.metrics.sinkRecords.inc({ ...labels, sink: s.name }, n);
      });
      flow.connect(s.input, { onBatch: (b) => q.push(b), onWatermark: () => {} });
      checkpointed.push({ queue: q, sink, input: s.input });
      return q;
    });
    const runners = this.plan.sources.map((s) => new SourceRunner(s, createSource(s.spec, ctx(s.name))));
    const checkpoints = LocalCheckpoints.create(this.plan, flow, checkpointed, { metrics: this.metrics, labels, log: this.log });
    // Sinks open first: an exactly-once sink's open() fences the crashed run's transaction and
    // tells which checkpoint's output it committed last, which bounds the restore.
    for (const q of queues) await q.open();
    const from = checkpoints ? await checkpoints.restore() : {};
    for (const r of runners) await r.open(Date.now(), from[r.node.name]);
    checkpoints?.start(runners);

    this.startedAt = Date.now();
    let recordsIn = 0;
    const maxRecords = this.opts.maxRecords ?? Number.POSITIVE_INFINITY;
    const watermarkOf = () => Math.min(...runners.map((r) => r.watermark(Date.now())));
    const publishWatermarks = () => {
      for (const r of runners) flow.watermark(r.node.name, r.watermark(Date.now()));
    };
    let lag = 0;
    const progress = (): Progress => ({ elapsedMs: Date.now() - this.startedAt, recordsIn, recordsOut, watermark: watermarkOf(), lag });
    const watermarkLag = this.metrics.watermarkLag.labels(labels);
    const ticker = setInterval(() => {
      publishWatermarks(); // lets idle splits release the watermark
      if (this.opts.durationMs !== undefined && Date.now() - this.startedAt >= this.opts.durationMs) this.requestStop("duration");
      const wm = watermarkOf();
      if (Number.isFinite(wm)) watermarkLag.set((Date.now() - wm) / 1000);
      void this.metrics.consumerLag.get().then((g) => (lag = g.values.reduce((sum, v) => sum + v.value, 0)));
      this.opts.onProgress?.(progress());
    }, 1000);
    const busy = this.metrics.busySeconds.labels(labels);
    const blocked = this.metrics.backpressuredSeconds.labels(labels);

    const tablesLoaded = (async () => {
      while (!this.stopRequested && !runners.every((r) => r.caughtUp())) await new Promise((res) => setTimeout(res, 20));
    })();
    const readLoop = async (r: SourceRunner) => {
      // Streams wait for lookup tables to be loaded, so early rows are not joined against nothing.
      if (!r.node.isTable) await tablesLoaded;
      while (!this.stopRequested && !(r.node.isTable && streamsDone)) {
        const waitStart = performance.now();
        for (const q of queues) await q.waitForRoom();
        blocked.inc((performance.now() - waitStart) / 1000);
        const got = await this.nextUnlessStopped(r);
        if (!got) break;
        let batch = got.batch;
        // --max-records bounds the streams; table rows do not count.
        if (!r.node.isTable) {
          if (recordsIn + batch.numRows >= maxRecords) {
            if (maxRecords - recordsIn < batch.numRows) r.truncateLastBatch();
            batch = batch.slice(0, maxRecords - recordsIn);
            this.requestStop("max-records");
          }
          recordsIn += batch.numRows;
        }
        this.metrics.sourceRecords.inc({ ...labels, source: r.node.name }, batch.numRows);
        const t0 = performance.now();
        flow.emit(r.node.name, batch);
        flow.watermark(r.node.name, r.watermark(Date.now()));
        if (batch === got.batch) checkpoints?.processed(r);
        else checkpoints?.stopTimer(); // --max-records cut the batch: the source's position is past what ran
        busy.inc((performance.now() - t0) / 1000);
        for (const q of queues) if (q.error()) throw q.error();
        // A source that never waits (a generator) would otherwise keep the event loop to itself:
        // timers (checkpoints, progress) and /metrics scrapes wait for a turn.
        await new Promise((res) => setImmediate(res));
      }
    };
    let streamsDone = false;
    // Tables (lookup joins) never end by themselves: they are read until the streams are done.
    const tableLoops = Promise.all(runners.filter((r) => r.node.isTable).map(readLoop));
    tableLoops.catch(() => {}); // awaited below; this only avoids an unhandled-rejection crash
    try {
      await Promise.race([Promise.all(runners.filter((r) => !r.node.isTable).map(readLoop)), tableLoops.then(() => new Promise(() => {}))]);
      streamsDone = true;
      checkpoints?.stopTimer(); // a checkpoint after the drain would hold a watermark at the end of time
      if (this.aborted) {
        await checkpoints?.abort();
        await tableLoops;
        await Promise.all(runners.map((r) => r.source.close().catch(() => {})));
        // terminate(): this process ends here, unlike after a test's abort(), so the sinks let go too.
        if (this.terminated) await Promise.all(queues.map((q) => q.abort().catch((err: unknown) => this.log.warn({ err }, "aborting a sink failed"))));
        const reason = this.terminated ? "terminated" : "aborted";
        return this.finish({ ...progress(), lateRecords: flow.runners.reduce((s, r) => s + r.operator.lateRecords(), 0), reason });
      }
      // Draining: every source is done, so all event time has passed and every window fires.
      for (const r of runners) flow.watermark(r.node.name, Number.POSITIVE_INFINITY);
      for (const q of queues) await q.close();
      await checkpoints?.close();
      await Promise.all(runners.map((r) => commitAndClose(r, this.log)));
      await tableLoops;
    } finally {
      clearInterval(ticker);
      checkpoints?.stopTimer();
    }
    return this.finish({
      ...progress(),
      watermark: Number.POSITIVE_INFINITY,
      lateRecords: flow.runners.reduce((s, r) => s + r.operator.lateRecords(), 0),
      reason: this.stopRequested ?? "end-of-input",
    });
  }

  private finish(summary: RunSummary): RunSummary {
    this.log.info({ summary }, "job finished");
    return summary;
  }
}

async function commitAndClose(r: SourceRunner, log: Logger): Promise<void> {
  try {
    await r.source.commit(r.commitPosition());
  } finally {
    await r.source.close().catch((err: unknown) => log.warn({ err }, "closing a source failed"));
  }
}
