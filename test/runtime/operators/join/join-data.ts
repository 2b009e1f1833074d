import {
  Bool,
  type Data,
  type DataType,
  Dictionary,
  Field,
  Float64,
  Int64,
  type RecordBatch,
  Schema,
  TimestampMillisecond,
  Utf8,
} from "apache-arrow";
import { arrowType } from "../../../../runtime/types/arrow-types.js";
import {
  boolData,
  float64Data,
  int32Data,
  int64Data,
  timestampData,
  utf8Data,
} from "../../../../runtime/types/builders.js";
import { columnsOf, makeBatch, valueAt } from "../../../../runtime/types/column.js";
import { dictionaryOver, Rng } from "../../../helpers/random.js";

export { Rng };

/**
 * Test data for the join tests: batches built from plain rows, where every batch gets its own
 * shuffled dictionary (with an unused entry) for dictionary columns, as a decoder would make them,
 * and rows read back as plain values. The seeded RNG is the shared one (test/helpers/random.ts).
 */

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export type Kind = "int32" | "int64" | "timestamp" | "float64" | "utf8" | "dict" | "bool";

/** The Arrow type of a test column kind ("dict" is dictionary-encoded utf8). */
export function typeOf(kind: Kind): DataType {
  if (kind === "dict") return arrowType("utf8", true);
  return arrowType(kind === "timestamp" ? "timestamp[ms]" : kind);
}

export function schemaOf(cols: [string, Kind][]): Schema {
  return new Schema(cols.map(([name, kind]) => new Field(name, typeOf(kind), true)));
}

function validity(values: Value[]): Uint8Array | null {
  if (!values.some((v) => v === null)) return null;
  return Uint8Array.from(values, (v) => (v === null ? 0 : 1));
}

function column(type: DataType, values: Value[], rng: Rng): Data {
  const valid = validity(values);
  const nums = () => Float64Array.from(values, (v) => (v === null ? 0 : (v as number)));
  if (type instanceof Dictionary) {
    // A per-batch dictionary in shuffled order, with an unused entry, as a decoder might make.
    const distinct = [...new Set(values.filter((v) => v !== null) as string[]), `unused-${rng.range(0, 1000)}`];
    for (let i = distinct.length - 1; i > 0; i--) {
      const j = rng.range(0, i + 1);
      [distinct[i], distinct[j]] = [distinct[j], distinct[i]];
    }
    return dictionaryOver(distinct, values as (string | null)[], type);
  }
  if (type instanceof Utf8) return utf8Data(values as (string | null)[]);
  if (type instanceof Bool)
    return boolData(
      Uint8Array.from(values, (v) => (v ? 1 : 0)),
      valid,
    );
  if (type instanceof Float64) return float64Data(nums(), valid);
  if (type instanceof TimestampMillisecond) return timestampData(nums(), valid);
  if (type instanceof Int64) return int64Data(nums(), valid);
  return int32Data(Int32Array.from(nums()), valid);
}

/** A batch of `schema` holding `rows` (missing fields are null). */
export function batchOf(schema: Schema, rows: Row[], rng: Rng): RecordBatch {
  const cols = schema.fields.map((f) =>
    column(
      f.type,
      rows.map((r) => r[f.name] ?? null),
      rng,
    ),
  );
  return makeBatch(schema, cols, rows.length);
}

/** The rows of a batch as plain objects (test side only). */
export function rowsOf(batch: RecordBatch): Row[] {
  const cols = columnsOf(batch);
  const names = batch.schema.fields.map((f) => f.name);
  const out: Row[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const r: Row = {};
    for (const [c, n] of names.entries()) r[n] = valueAt(cols[c], i);
    out.push(r);
  }
  return out;
}

/** Sorted canonical strings of rows, to compare multisets of rows. */
export function canonical(rows: Row[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .map((k) => [k, r[k]]),
      ),
    )
    .sort();
}

/** What a join test feeds an operator: a batch of rows on one input (optionally a slice of it), or a watermark. */
export type Step = { input: 0 | 1; rows: Row[]; slice?: [number, number] } | { watermark: number };

/** The row's values of the key columns, or null when one of them is null (a null key matches nothing). */
export function keyOf(row: Row, key: string[]): Value[] | null {
  const k = key.map((c) => row[c]);
  return k.some((v) => v === null) ? null : k;
}

/**
 * Every row `steps` feed, in order, with its input, the watermark when it arrived and `seq`, the
 * number of the batch it came in (counting batches only, not watermarks).
 */
export function* arrivals(steps: Step[]): Generator<{ input: 0 | 1; row: Row; wm: number; seq: number }> {
  let wm = -Infinity;
  let seq = 0;
  for (const step of steps) {
    if ("watermark" in step) {
      wm = Math.max(wm, step.watermark);
      continue;
    }
    const rows = step.slice ? step.rows.slice(step.slice[0], step.slice[1]) : step.rows;
    for (const row of rows) yield { input: step.input, row, wm, seq };
    seq++;
  }
}

/** How `randomSteps` draws batches; times in ms. */
export interface StepShape {
  batches: number;
  /** The clock moves by up to this much before each batch. */
  gap: number;
  /** A batch has 1 to this many rows (or, rarely, none). */
  maxRows: number;
  /** A row's time is mostly up to `jitter` behind the clock, sometimes `behind` to twice that. */
  jitter: number;
  behind: number;
  /** Watermarks trail the clock by `lag` plus up to `lagSpread`. */
  lag: number;
  lagSpread: number;
  columns: (input: 0 | 1) => [string, Kind][];
  timeColumn: (input: 0 | 1) => string;
  value: (kind: Kind, column: string, rng: Rng) => Value;
}

/** Batches of both sides with out-of-order times, late rows, null times, empty and sliced batches, and watermarks. */
export function randomSteps(rng: Rng, shape: StepShape): Step[] {
  const steps: Step[] = [];
  let now = 1_000_000;
  for (let i = 0; i < shape.batches; i++) {
    now += rng.range(0, shape.gap);
    const input = rng.chance(0.5) ? 0 : 1;
    const n = rng.chance(0.1) ? 0 : 1 + rng.range(0, shape.maxRows);
    const rows = Array.from({ length: n }, () => randomRow(rng, shape, input, now));
    const step: Step = { input, rows };
    if (n > 4 && rng.chance(0.2)) step.slice = [1 + rng.range(0, 2), n - rng.range(0, 2)];
    steps.push(step);
    if (rng.chance(0.3)) steps.push({ watermark: now - shape.lag - rng.range(0, shape.lagSpread) });
  }
  steps.push({ watermark: Infinity });
  return steps;
}

function randomRow(rng: Rng, shape: StepShape, input: 0 | 1, now: number): Row {
  const row: Row = {};
  for (const [name, kind] of shape.columns(input)) row[name] = shape.value(kind, name, rng);
  // Mostly a little out of order, sometimes far behind the watermark, rarely no time at all.
  row[shape.timeColumn(input)] = rng.chance(0.03)
    ? null
    : now - (rng.chance(0.07) ? shape.behind + rng.range(0, shape.behind) : rng.range(0, shape.jitter));
  return row;
}
