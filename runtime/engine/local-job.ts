import { sinksExactlyOnce } from "../checkpoint/exactly-once.js";
import type { Sink } from "../connectors/connector.js";
import { type Logger, log as rootLog } from "../log.js";
import { EngineMetrics } from "../metrics/metrics.js";
import type { CheckpointEvent } from "../metrics/web/checkpoint-log.js";
import type { JobPlan } from "../planner/plan.js";
import { chainedGraph } from "./graph.js";
import { LocalCheckpointCoordinator } from "./local-coordinator.js";
import { Task } from "./task.js";

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
  /** Checkpoints as they start and end (the web UI's history). */
  onCheckpoint?: (e: CheckpointEvent) => void;
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
 * Runs a whole job in this process (`sabot run`): one Task with every source, operator and sink
 * of the plan chained (parallelism 1, no exchanges), and the local checkpoint coordinator.
 */
export class LocalJob {
  readonly metrics: EngineMetrics;
  private readonly log: Logger;
  private reason: RunSummary["reason"] | null = null;
  private task: Task | null = null;
  private coordinator: LocalCheckpointCoordinator | null = null;
  private startedAt = 0;
  /** For the web UI: RUNNING once the sources are open, then FINISHED or FAILED. */
  state: "CREATED" | "RUNNING" | "FINISHED" | "FAILED" = "CREATED";
  private lag = 0;
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

  /** When the sources opened (null before). */
  /** Each source split's own watermark while the task runs (the web UI). */
  splitWatermarks(): ReturnType<Task["splitWatermarks"]> {
    return this.task?.splitWatermarks() ?? [];
  }

  get startTime(): number | null {
    return this.startedAt || null;
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
    this.reason ??= reason;
    if (this.aborted) this.task?.halt();
    else this.task?.stop();
  }

  async run(): Promise<RunSummary> {
    const task = this.createTask();
    const coordinator = LocalCheckpointCoordinator.create(task, this.opts.onCheckpoint);
    this.task = task;
    this.coordinator = coordinator;
    if (this.reason) this.requestStop(this.reason);
    await task.openSinks();
    await task.openSources(coordinator ? await coordinator.restore() : {});
    coordinator?.start();
    this.startedAt = Date.now();
    this.state = "RUNNING";
    try {
      await task.process();
      coordinator?.stopTimer(); // a checkpoint after the drain would hold a watermark at the end of time
      if (this.aborted) return await this.abandon(task, coordinator);
      await task.drain();
      await coordinator?.close();
      try {
        await task.commit();
      } finally {
        await task.closeSources();
      }
    } catch (err) {
      this.state = "FAILED";
      throw err;
    } finally {
      task.stopTicker();
      coordinator?.stopTimer();
    }
    return this.finish({
      ...this.progress(),
      watermark: Number.POSITIVE_INFINITY,
      lateRecords: task.lateRecords(),
      reason: this.reason ?? "end-of-input",
    });
  }

  private createTask(): Task {
    return new Task({
      plan: this.plan,
      graph: chainedGraph(this.plan),
      subtask: 0,
      parallelism: 1,
      metrics: this.metrics,
      log: this.log,
      sinkBufferRows: this.opts.sinkBufferRows ?? 65_536,
      sink: (node) => this.opts.sinks?.[node.name],
      maxRecords: this.opts.maxRecords,
      limitReached: () => {
        this.coordinator?.stopTimer(); // the cut batch's source position is past what ran
        this.requestStop("max-records");
      },
      endOfTime: () => this.coordinator?.stopTimer(),
      onTick: () => this.tick(),
    });
  }

  /** After abort() or terminate(): nothing is drained or committed. */
  private async abandon(task: Task, coordinator: LocalCheckpointCoordinator | null): Promise<RunSummary> {
    await coordinator?.abort();
    await task.closeSources();
    // terminate(): this process ends here, unlike after a test's abort(), so the sinks let go too.
    if (this.terminated) await task.sinks.abort(this.log);
    return this.finish({
      ...this.progress(),
      lateRecords: task.lateRecords(),
      reason: this.terminated ? "terminated" : "aborted",
    });
  }

  private tick(): void {
    if (this.opts.durationMs !== undefined && Date.now() - this.startedAt >= this.opts.durationMs)
      this.requestStop("duration");
    void this.metrics.consumerLag.get().then((g) => (this.lag = g.values.reduce((sum, v) => sum + v.value, 0)));
    this.opts.onProgress?.(this.progress());
  }

  private progress(): Progress {
    const t = this.task!;
    return {
      elapsedMs: Date.now() - this.startedAt,
      recordsIn: t.meter.streamRecordsIn,
      recordsOut: t.meter.recordsOut,
      watermark: t.watermark(),
      lag: this.lag,
    };
  }

  private finish(summary: RunSummary): RunSummary {
    this.state = "FINISHED";
    this.log.info({ summary }, "job finished");
    return summary;
  }
}
