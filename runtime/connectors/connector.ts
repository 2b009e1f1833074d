import type { RecordBatch } from "apache-arrow";
import type { SinkSpec, SourceSpec } from "../contract/spec/schema.js";
import type { Logger } from "../log.js";
import type { EngineMetrics, MetricLabels } from "../metrics/metrics.js";
import type { StreamInfo } from "../types/stream-info.js";

/** What every connector gets from the executor. */
export interface ConnectorContext {
  jobName: string;
  /** Name of the source or sink in the spec. */
  name: string;
  /** This subtask's index and the job's parallelism: sources read only their share of splits. */
  subtask: number;
  parallelism: number;
  metrics: EngineMetrics;
  labels: MetricLabels;
  log: Logger;
  /**
   * Sinks that can deliver exactly-once should (spec.checkpointing.mode: exactly-once, with
   * checkpoints taken): they then implement the two-phase-commit methods of Sink.
   */
  exactlyOnce?: boolean;
}

/** A batch read from one split (Kafka partition, generator split) of a source. */
export interface SourceBatch {
  batch: RecordBatch;
  /** Split id; watermarks are tracked per split. */
  split: number;
}

/**
 * Position of a source for checkpoints and for committing: split id → next offset to read.
 * Kafka: partition → offset; generator: split → events emitted.
 */
export type SourcePosition = Record<string, string>;

export interface Source {
  readonly output: StreamInfo;
  /** Connects and seeks (to `from` when restoring from a checkpoint). */
  open(from?: SourcePosition): Promise<void>;
  /**
   * The next batch, waiting when none is ready; null once a bounded source has ended. The
   * executor calls it only when downstream has room, which is how backpressure reaches Kafka
   * (a source pauses its consumer while its small buffer is full).
   */
  next(): Promise<SourceBatch | null>;
  /** Splits this subtask reads that have produced nothing for longer than the idle timeout. */
  idleSplits(nowMs: number): number[];
  /** All splits this subtask reads (for watermark tracking). */
  splits(): number[];
  /** Position after the last batch returned by next(). */
  position(): SourcePosition;
  /**
   * True once everything that was in the source when it opened has been returned. Table sources
   * (lookup joins) are read up to this point before the streams they enrich start, as Kafka
   * Streams bootstraps a global table. Sources without the notion omit it.
   */
  caughtUp?(): boolean;
  /** Records not yet read from the splits this subtask reads (Kafka: high watermark − position). */
  lag?(): number;
  /** Makes a position durable where the source supports it (Kafka: commit offsets). */
  commit(position: SourcePosition): Promise<void>;
  close(): Promise<void>;
}

export interface Sink {
  open(): Promise<void>;
  write(batch: RecordBatch): Promise<void>;
  /** Everything written so far is durable/visible (at-least-once boundary). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * The attempt was cancelled (a failure elsewhere): release connections without making anything
   * more visible. An exactly-once sink must not commit its open transaction here — that output
   * is produced again by the restored attempt. Sinks without it are closed instead.
   */
  abort?(): Promise<void>;

  // ---- Two-phase commit, only for sinks that deliver exactly-once (see engine/task-checkpoints.ts) ----

  /**
   * Called at checkpoint `id`'s cut, in order with write(): everything written before it is the
   * output of that checkpoint; make it durable but not yet visible. Writes after it must not
   * become part of that output (a sink may hold them until commitCheckpoint/checkpointFailed).
   */
  prepareCheckpoint?(id: number): Promise<void>;
  /**
   * Checkpoint `id` is durably written: make its output visible, atomically with recording `id`
   * as the newest committed checkpoint (what committedCheckpoint() returns after a crash).
   */
  commitCheckpoint?(id: number): Promise<void>;
  /** Checkpoint `id` failed (before or after it was prepared): its output goes with the next one. */
  checkpointFailed?(id: number): void;
  /** After open(): the newest checkpoint whose output is visible (null: none). Recovery restores no newer one. */
  committedCheckpoint?(): Promise<number | null>;
  /**
   * Right after prepareCheckpoint(id): the rows of that checkpoint's output (everything in the
   * prepared transaction). A distributed job stores them with the checkpoint, so that a subtask
   * that crashed between the checkpoint's manifest and its own commit can redo the commit on
   * recovery (recommit) instead of making every other sink write that interval twice.
   */
  preparedOutput?(): RecordBatch[];
  /** After open(), before any write: makes `rows` visible as checkpoint `id`'s output (see preparedOutput). */
  recommit?(id: number, rows: RecordBatch[]): Promise<void>;
}

/** A connector's reading side: what the planner asks (connecting to nothing) and what the executor opens. */
export interface SourceFactory {
  /** Columns and event-time field of the stream; throws ConnectorConfigError for a bad spec. */
  streamInfo(spec: SourceSpec): StreamInfo;
  create(spec: SourceSpec, ctx: ConnectorContext): Source;
}

/** A connector's writing side: the planner's check against the input, and the executor's sink. */
export interface SinkFactory {
  check(spec: SinkSpec, input: StreamInfo): void;
  create(spec: SinkSpec, input: StreamInfo, ctx: ConnectorContext): Sink;
}

/** The spec keys that select a connector: `kafka:` in a source or sink spec selects the kafka connector. */
export type ConnectorKey = Exclude<keyof SourceSpec, "schema" | "eventTime"> | keyof SinkSpec;

/**
 * One row of the connector table (registry.ts). Each connector folder exports its entry from its
 * index.ts; the factories receive the whole spec, of which the entry's `key` part is set.
 */
export interface ConnectorEntry {
  key: ConnectorKey;
  source?: SourceFactory;
  sink?: SinkFactory;
}
