import type { RecordBatch } from "apache-arrow";
import type { StreamInfo } from "../types/stream-info.js";

/**
 * A key group's state in a snapshot: a batch, or a function that gathers it later. Operators hand
 * out functions over state frozen at the snapshot (views of append-only buffers, or flat copies of
 * arrays updated in place), so the per-key-group gather runs while the checkpoint is written, one
 * key group at a time, instead of pausing processing.
 */
export type KeyGroupState = RecordBatch | (() => RecordBatch);

/** State an operator hands to a checkpoint: Arrow batches, each tagged with a key group. */
export interface OperatorSnapshot<State extends KeyGroupState = KeyGroupState> {
  /** Free-form operator metadata (JSON), e.g. the last watermark. */
  meta: Record<string, unknown>;
  /** Keyed state, grouped by key group so rescaling can move it. */
  keyGroups: Map<number, State>;
}

/** A snapshot whose key groups are all batches: what restore() takes and checkpoints read back. */
export type GatheredSnapshot = OperatorSnapshot<RecordBatch>;

/** The batch of a key group, gathering it now when the snapshot deferred it. */
export function keyGroupBatch(state: KeyGroupState): RecordBatch {
  return typeof state === "function" ? state() : state;
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
  /**
   * The state for a checkpoint, unaffected by later batches (copied, or views of append-only
   * buffers); operators without state return null.
   */
  snapshot(): OperatorSnapshot | null;
  /** Restores state from a checkpoint (the key groups this subtask now owns). */
  restore(snapshot: GatheredSnapshot): void;
  /** Records dropped because they arrived after the watermark passed their window (metric). */
  lateRecords(): number;
  /**
   * Processing-time timers: called about once a second, whether or not rows arrive (the task's
   * ticker); returns what became final by the wall clock (processing-time windows). Absent: none.
   */
  onProcessingTime?(): RecordBatch[];
  /**
   * How far (ms) the watermark this operator passes on trails its input watermark: set by an
   * operator that emits rows on arrival whose event time may be behind the input watermark (an
   * interval join), so that they are not late downstream. Absent: 0.
   */
  readonly watermarkDelay?: number;
}
