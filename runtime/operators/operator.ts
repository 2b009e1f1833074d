import type { RecordBatch, Schema } from "apache-arrow";

/**
 * What the planner knows about a stream between two operators: its columns, which column holds
 * event time (if any), and the key columns when the stream is keyed.
 */
export interface StreamInfo {
  schema: Schema;
  timeField?: string;
  keys?: string[];
}

/** State an operator hands to a checkpoint: named Arrow batches, each tagged with a key group. */
export interface OperatorSnapshot {
  /** Free-form operator metadata (JSON), e.g. the last watermark. */
  meta: Record<string, unknown>;
  /** Keyed state, grouped by key group so rescaling can move it. */
  keyGroups: Map<number, RecordBatch>;
}

/**
 * The one narrow interface every operator implements (after Arroyo's). Operators are synchronous
 * and work on whole Arrow batches: the executor chains them with plain function calls and does
 * the asynchronous parts (sources, sinks, network) around the chain.
 */
export interface Operator {
  /** Name for metrics and logs, e.g. `pipeline[2].window`. */
  readonly name: string;
  /** Schema of the batches this operator emits. */
  readonly output: StreamInfo;
  /** Processes one batch from input `input` (0, or 1 for a join's right side). */
  processBatch(batch: RecordBatch, input: number): RecordBatch[];
  /**
   * The event-time watermark of all inputs advanced to `watermark` (ms; +Infinity at end of input).
   * Returns what became final: e.g. windows whose end is at or before the watermark.
   */
  processWatermark(watermark: number): RecordBatch[];
  /** Copy of the state for a checkpoint; operators without state return null. */
  snapshot(): OperatorSnapshot | null;
  /** Restores state from a checkpoint (the key groups this subtask now owns). */
  restore(snapshot: OperatorSnapshot): void;
  /** Records dropped because they arrived after the watermark passed their window (metric). */
  lateRecords(): number;
}
