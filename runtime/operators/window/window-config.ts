import { DataType, type Field, type Schema, TimeUnit } from "apache-arrow";
import { isDuration, parseDuration } from "../../contract/spec/duration.js";
import type { WindowSpec } from "../../contract/spec/schema.js";
import type { GpuKernels } from "../../kernels/gpu-kernels.js";
import type { Clock } from "../../time/processing-time.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { Accumulator } from "./accumulator.js";
import { type AggregateSpec, AggregateSpecError } from "./aggregate-spec.js";
import { CountDistinctAccumulator } from "./count-distinct.js";
import { CountAccumulator, MinMaxAccumulator, SumAccumulator } from "./numeric-accumulators.js";
import { Utf8MinMaxAccumulator } from "./utf8-min-max.js";

export interface WindowAggregateOptions {
  /** Operator name for metrics, logs and messages, e.g. `pipeline[2].window`. */
  name: string;
  input: StreamInfo;
  /** Key columns; empty for one global window per time range. */
  keys: string[];
  window: WindowSpec;
  /** "count(*) AS bids", "sum(price) AS total", "min(x)", "max(x)", "avg(x)", "count(distinct b)". */
  aggregates: string[];
  /** Number of key groups (the job's maxParallelism). */
  maxParallelism: number;
  /**
   * Adds a `window_time` column (window_end - 1 ms, Flink's window_time) after `window_end` and makes
   * it the output's event time, so a later window groups each row into the window holding its last
   * instant. Without it the event time is `window_end`, which a later window puts one window late.
   */
  windowTime?: boolean;
  /**
   * Batches may also be partial rows of `input` made by PaneCombiner (two-phase aggregation's
   * first phase, before an exchange), recognized by their columns: see
   * WindowAggregateOperator.mergePartials.
   */
  partials?: boolean;
  /** Where large batches may fold on the GPU; default: the process's (processGpuKernels). */
  gpu?: GpuKernels;
  /** Processing-time windows' clock (tests drive it); default: the wall clock. */
  clock?: Clock;
}

/** A window spec in milliseconds: aligned (tumbling: slide = size) or session. */
export type WindowShape = { kind: "aligned"; size: number; slide: number } | { kind: "session"; gap: number };

function duration(operator: string, spec: WindowSpec, key: "size" | "slide" | "gap"): number {
  const v = spec[key];
  if (v === undefined)
    throw new AggregateSpecError(operator, `a ${spec.type} window needs \`${key}\` (e.g. ${key}: 10s)`);
  if (!isDuration(v))
    throw new AggregateSpecError(operator, `window ${key} "${v}" is not a duration like 500ms, 10s or 5m`);
  const ms = parseDuration(v);
  if (ms <= 0) throw new AggregateSpecError(operator, `window ${key} must be positive, got "${v}"`);
  return ms;
}

export function windowShape(operator: string, spec: WindowSpec): WindowShape {
  switch (spec.type) {
    case "tumbling": {
      const size = duration(operator, spec, "size");
      return { kind: "aligned", size, slide: size };
    }
    case "sliding":
      return { kind: "aligned", size: duration(operator, spec, "size"), slide: duration(operator, spec, "slide") };
    case "session":
      return { kind: "session", gap: duration(operator, spec, "gap") };
    default:
      throw new AggregateSpecError(
        operator,
        `unknown window type "${String(spec.type)}": use tumbling, sliding or session`,
      );
  }
}

/** Index of a column by name, with a message listing the columns when it is missing. */
export function columnIndex(operator: string, schema: Schema, name: string, role: string): number {
  const i = schema.fields.findIndex((f) => f.name === name);
  if (i < 0)
    throw new AggregateSpecError(
      operator,
      `${role} "${name}" is not a column (columns: ${schema.fields.map((f) => f.name).join(", ")})`,
    );
  return i;
}

/** Event time must be timestamp or int64 epoch millis. */
export function checkTimeField(operator: string, field: Field): void {
  const t = field.type;
  if ((DataType.isTimestamp(t) && t.unit === TimeUnit.MILLISECOND) || (DataType.isInt(t) && t.bitWidth === 64)) return;
  throw new AggregateSpecError(
    operator,
    `event time column "${field.name}" is ${String(t)}; it must be timestamp[ms] or int64 epoch millis`,
  );
}

export function createAccumulator(spec: AggregateSpec, schema: Schema, gpu: GpuKernels | null = null): Accumulator {
  const field = spec.column >= 0 ? schema.fields[spec.column] : null;
  switch (spec.fn) {
    case "count":
      return new CountAccumulator(spec, gpu);
    case "sum":
    case "avg":
      return new SumAccumulator(spec, field!, gpu);
    case "count_distinct":
      return new CountDistinctAccumulator(spec, field!);
    case "min":
    case "max": {
      const t = field!.type;
      return DataType.isUtf8(t) || DataType.isDictionary(t)
        ? new Utf8MinMaxAccumulator(spec)
        : new MinMaxAccumulator(spec, field!, gpu);
    }
  }
}
