import { openCheckpointStorage } from "../../checkpoint/index.js";
import type { ConnectorContext, Sink, SourcePosition } from "../../connectors/connector.js";
import type { TriggerCheckpoint, WorkerMetrics } from "../../contract/rpc/messages.js";
import type { TlsSetting } from "../../contract/tls/files.js";
import { buildExecutionGraph } from "../../engine/graph.js";
import { Task } from "../../engine/task.js";
import type { SubtaskAck } from "../../engine/task-checkpoints.js";
import { restoreTask } from "../../engine/task-restore.js";
import type { Logger } from "../../log.js";
import type { EngineMetrics } from "../../metrics/metrics.js";
import { registryNodeRecords, registryPartitionLag } from "../../metrics/web/registry-view.js";
import type { JobPlan, SinkNode } from "../../planner/plan.js";
import type { ExchangeServer } from "../exchange/server.js";
import { SubtaskExchanges } from "./exchanges.js";

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
  /** Credentials of the exchange clients this subtask opens to the other workers. */
  tls: TlsSetting;
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

/**
 * One attempt of one subtask on a worker: the engine's Task with this worker's exchanges (gRPC to
 * the other workers, in memory to itself), driven by the coordinator's commands (see Worker).
 * run() resolves once everything is drained: sources stopped or ended, every exchange ended,
 * every sink flushed and closed. Source positions are made durable only by commit(), which the
 * coordinator asks for once every subtask has drained, because records read here may be written
 * by the sinks of any subtask. Checkpoints go to the coordinator as acknowledgements.
 */
export class SubtaskRun {
  private readonly task: Task;
  private cancelled: string | null = null;

  constructor(
    readonly deployment: Deployment,
    private readonly opts: SubtaskRunOptions,
  ) {
    const { plan, subtask, parallelism, peers, attempt, jobName } = deployment;
    const graph = buildExecutionGraph(plan);
    const settings = {
      jobName,
      attempt,
      subtask,
      peers,
      maxParallelism: plan.maxParallelism,
      credits: opts.credits,
      tls: opts.tls,
      channelBufferRows: opts.channelBufferRows,
      frameRows: opts.frameRows,
    };
    this.task = new Task({
      plan,
      graph,
      subtask,
      parallelism,
      metrics: opts.metrics,
      log: opts.log,
      sinkBufferRows: opts.sinkBufferRows,
      sink: opts.sinkFactory,
      exchanges: (flow, hooks, fail) => new SubtaskExchanges(graph, flow, opts.exchange, settings, hooks, fail),
    });
    const url = plan.spec.checkpointing?.storage;
    const storage = url ? openCheckpointStorage(url) : null;
    if (storage)
      this.task.enableCheckpoints({ storage: () => storage, ack: (a) => opts.ack?.(a), storesPreparedOutput: true });
  }

  /** Whether the sinks commit with checkpoints (two-phase), as the connectors are told. */
  get exactlyOnce(): boolean {
    return this.task.exactlyOnce;
  }

  /** Opens connectors (restoring first), connects the exchanges; then runs until drained. */
  async run(onRunning: () => void): Promise<void> {
    const { task } = this;
    await task.openSinks();
    await task.openSources(this.deployment.restoreFrom ? await restoreTask(task, this.deployment.restoreFrom) : {});
    this.throwIfCancelled();
    onRunning();
    try {
      await task.process();
      this.throwIfCancelled();
      await task.drain();
    } finally {
      task.stopTicker();
    }
    this.throwIfCancelled();
    task.checkpoints?.markFinished();
    const { attempt, subtask } = this.deployment;
    this.opts.log.info(
      { attempt, subtask, recordsIn: task.meter.recordsIn, recordsOut: task.meter.recordsOut },
      "subtask drained",
    );
  }

  private throwIfCancelled(): void {
    if (this.cancelled) throw new CancelledError(this.cancelled);
  }

  triggerCheckpoint(t: TriggerCheckpoint): void {
    if (!this.task.checkpoints) {
      this.opts.ack?.({
        checkpointId: t.checkpointId,
        error: "the job has no spec.checkpointing.storage",
        state: {},
        sources: {},
      });
      return;
    }
    this.task.checkpoints.trigger(t);
  }

  checkpointComplete(id: number): Promise<void> {
    if (!this.task.checkpoints) return Promise.resolve();
    this.opts.metrics.checkpoints.inc({ ...this.task.labels, result: "completed" });
    return this.task.checkpoints.complete(id);
  }

  checkpointAborted(id: number): void {
    if (!this.task.checkpoints) return;
    this.opts.metrics.checkpoints.inc({ ...this.task.labels, result: "failed" });
    this.task.checkpoints.aborted(id);
  }

  /** Graceful: stop reading; what was read drains through exchanges and sinks. */
  stop(): void {
    this.task.stop();
  }

  /** A failure outside the loops (a broken exchange connection): the attempt fails. */
  fail(err: Error): void {
    this.task.fail(err);
  }

  /** After every subtask drained: commit where each source stopped, then close everything. */
  async commit(): Promise<SourcePosition[]> {
    const committed = await this.task.commit();
    await this.close();
    return committed;
  }

  /** Immediate: abort exchanges, close connectors without committing anything. */
  async cancel(reason: string): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.task.halt();
    const err = new CancelledError(reason);
    this.task.exchanges.abort(err);
    this.task.fail(err);
    await this.task.sinks.abort(this.opts.log, 2000);
    await this.close();
  }

  private async close(): Promise<void> {
    this.task.stopTicker();
    this.task.exchanges.close();
    await this.task.closeSources(5000);
  }

  watermark(): number {
    return this.task.watermark();
  }

  /** The summary with what the web UI shows per node, per Kafka partition and per source split. */
  async detailedSummary(metrics: EngineMetrics): Promise<WorkerMetrics> {
    const [nodes, partitionLag] = await Promise.all([
      registryNodeRecords(metrics, String(this.deployment.subtask)),
      registryPartitionLag(metrics),
    ]);
    return { ...this.summary(), nodes, partitionLag, splitWatermarks: this.task.splitWatermarks() };
  }

  summary(): WorkerMetrics {
    const { meter, exchanges } = this.task;
    return {
      recordsIn: meter.recordsIn,
      recordsOut: meter.recordsOut,
      busySeconds: meter.busySeconds,
      backpressuredSeconds: meter.backpressuredSeconds,
      rssBytes: process.memoryUsage.rss(),
      watermark: this.task.watermark(),
      exchangeRowsSent: exchanges.rowsSent(),
      exchangeBytesSent: exchanges.bytesSent(),
      lateRecords: this.task.lateRecords(),
      consumerLag: this.task.consumerLag(),
    };
  }
}
