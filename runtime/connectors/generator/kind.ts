import type { RecordBatch, Schema } from "apache-arrow";

/**
 * One built-in stream. Event k (0, 1, 2, ...) is a pure function of the seed and k, so a batch is
 * described by its first event index, the step between events (the number of splits: split i of P
 * makes events i, i + P, i + 2P, ...) and how many events to make.
 */
export interface KindGenerator {
  readonly schema: Schema;
  readonly timeField: string;
  generate(first: number, step: number, n: number): RecordBatch;
}

/** 2024-01-01T00:00:00Z: event time is fixed by the event index, not the wall clock (determinism). */
export const BASE_TIME_MS = 1_704_067_200_000;

/** Nominal event rate of event time: event k happens k / 10 ms after BASE_TIME_MS (Nexmark's default 10,000/s). */
export const EVENTS_PER_MS = 10;

/**
 * Event times are the nominal time minus a jitter in [0, MAX_JITTER_MS): a few hundred
 * milliseconds of out-of-orderness, so an eventTime.maxOutOfOrderness of 500ms or more loses
 * nothing.
 */
export const MAX_JITTER_MS = 300;
