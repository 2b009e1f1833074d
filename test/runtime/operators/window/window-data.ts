import type { RecordBatch } from "apache-arrow";
import { expect } from "vitest";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import type { Operator } from "../../../../runtime/operators/operator.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { batchFromRows, type Rng } from "../../../helpers/random.js";
import type { RefAggregate, Row, WindowReference } from "./window-reference.js";

/**
 * Randomized inputs for window tests: rows with keys and values of every type (nulls included),
 * event times out of order (a few very late), fed as batches of random sizes — some empty, some
 * sliced out of larger batches — interleaved with watermarks in one of several patterns.
 */

export const FIELDS: FieldSpec[] = [
  { name: "ks", type: "utf8" },
  { name: "kd", type: "utf8", dictionary: true },
  { name: "ki", type: "int64" },
  { name: "k32", type: "int32" },
  { name: "kb", type: "bool" },
  { name: "kf", type: "float64" },
  { name: "ts", type: "timestamp[ms]" },
  { name: "et", type: "int64" },
  { name: "price", type: "int64" },
  { name: "x", type: "float64" },
  { name: "n32", type: "int32" },
  { name: "name", type: "utf8" },
  { name: "dname", type: "utf8", dictionary: true },
  { name: "flag", type: "bool" },
  { name: "t2", type: "timestamp[ms]" },
];

/** Every aggregate function over every column type it accepts, with its reference meaning. */
export const AGGREGATES: [string, RefAggregate][] = [
  ["count(*) AS n", { name: "n", fn: "count", column: null }],
  ["count(price)", { name: "count_price", fn: "count", column: "price" }],
  ["count(name) AS cname", { name: "cname", fn: "count", column: "name" }],
  ["sum(price) AS sp", { name: "sp", fn: "sum", column: "price" }],
  ["sum(x) AS sx", { name: "sx", fn: "sum", column: "x" }],
  ["sum(n32)", { name: "sum_n32", fn: "sum", column: "n32" }],
  ["avg(price)", { name: "avg_price", fn: "avg", column: "price" }],
  ["avg(x) AS ax", { name: "ax", fn: "avg", column: "x" }],
  ["min(price)", { name: "min_price", fn: "min", column: "price" }],
  ["max(price)", { name: "max_price", fn: "max", column: "price" }],
  ["min(x)", { name: "min_x", fn: "min", column: "x" }],
  ["max(x)", { name: "max_x", fn: "max", column: "x" }],
  ["min(n32)", { name: "min_n32", fn: "min", column: "n32" }],
  ["MAX(n32)", { name: "max_n32", fn: "max", column: "n32" }],
  ["min(name)", { name: "min_name", fn: "min", column: "name" }],
  ["max(name)", { name: "max_name", fn: "max", column: "name" }],
  ["min(dname)", { name: "min_dname", fn: "min", column: "dname" }],
  ["max(dname)", { name: "max_dname", fn: "max", column: "dname" }],
  ["min(flag)", { name: "min_flag", fn: "min", column: "flag" }],
  ["max(flag)", { name: "max_flag", fn: "max", column: "flag" }],
  ["min(t2)", { name: "min_t2", fn: "min", column: "t2" }],
  ["max(t2)", { name: "max_t2", fn: "max", column: "t2" }],
  ["count(distinct name) AS dn", { name: "dn", fn: "count_distinct", column: "name" }],
  ["count(DISTINCT dname) AS ddn", { name: "ddn", fn: "count_distinct", column: "dname" }],
  ["count(distinct price) AS dp", { name: "dp", fn: "count_distinct", column: "price" }],
  ["count(distinct x) AS dx", { name: "dx", fn: "count_distinct", column: "x" }],
  ["count(distinct n32) AS d32", { name: "d32", fn: "count_distinct", column: "n32" }],
  ["count(distinct flag) AS dflag", { name: "dflag", fn: "count_distinct", column: "flag" }],
  ["count(distinct t2) AS dt2", { name: "dt2", fn: "count_distinct", column: "t2" }],
];

const KEY_STRINGS = ["a", "b", "", "é", "日本", "emoji 🚀"];
const NAMES = ["ann", "bob", "", "Zoë", "zoe", "日本語", "🚀", "a".repeat(40)];

export type Step = { rows: Row[]; sliced?: boolean } | { watermark: number };
export type Interleaving = "every-batch" | "sparse" | "at-end" | "eager";

export interface ScriptOptions {
  batches: number;
  interleaving: Interleaving;
  /** Event time of the first row; the stream advances ~50 ms per row. */
  t0?: number;
}

function maybe<T>(rng: Rng, p: number, v: () => T): T | null {
  return rng.chance(p) ? null : v();
}

export function randomRow(rng: Rng, time: number | null): Row {
  return {
    ks: maybe(rng, 0.08, () => rng.pick(KEY_STRINGS)),
    kd: maybe(rng, 0.08, () => rng.pick(KEY_STRINGS)),
    ki: maybe(rng, 0.08, () => rng.int(-2, 3)),
    k32: maybe(rng, 0.08, () => rng.int(0, 2)),
    kb: maybe(rng, 0.1, () => rng.chance(0.5)),
    kf: maybe(rng, 0.1, () => rng.pick([0, 1.5, -2.25])),
    ts: time,
    et: time,
    price: maybe(rng, 0.15, () => rng.int(-50, 1000)),
    x: maybe(rng, 0.15, () => rng.int(-4000, 4000) / 8),
    n32: maybe(rng, 0.15, () => rng.int(-100, 100)),
    name: maybe(rng, 0.15, () => rng.pick(NAMES)),
    dname: maybe(rng, 0.15, () => rng.pick(NAMES)),
    flag: maybe(rng, 0.15, () => rng.chance(0.3)),
    t2: maybe(rng, 0.15, () => 1_600_000_000_000 + rng.int(0, 1000) * 1000),
  };
}

/** Batches and watermarks in the given pattern, ending with the end-of-input watermark. */
export function randomScript(rng: Rng, opts: ScriptOptions): Step[] {
  const steps: Step[] = [];
  let row = 0;
  let maxTime = Number.NEGATIVE_INFINITY;
  const t0 = opts.t0 ?? 1_700_000_000_000;
  const lag = opts.interleaving === "eager" ? 0 : rng.int(500, 4000);
  for (let b = 0; b < opts.batches; b++) {
    const n = rng.chance(0.1) ? 0 : rng.int(1, 120);
    const rows: Row[] = [];
    for (let i = 0; i < n; i++, row++) {
      let time: number | null = t0 + row * 50 - rng.int(0, 3000);
      if (rng.chance(0.03)) time -= rng.int(3000, 30000); // very late
      if (rng.chance(0.02)) time = null;
      if (time !== null && time > maxTime) maxTime = time;
      rows.push(randomRow(rng, time));
    }
    steps.push({ rows, sliced: rng.chance(0.3) });
    const wm = maxTime - lag;
    switch (opts.interleaving) {
      case "every-batch":
      case "eager":
        steps.push({ watermark: wm });
        break;
      case "sparse":
        if (rng.chance(0.3)) steps.push({ watermark: wm });
        if (rng.chance(0.1)) steps.push({ watermark: wm - rng.int(0, 5000) }); // stale: ignored
        if (rng.chance(0.05)) steps.push({ watermark: wm + rng.int(0, 20000) }); // runs ahead
        break;
      case "at-end":
        break;
    }
  }
  steps.push({ watermark: Number.POSITIVE_INFINITY });
  return steps;
}

/** A batch of the rows; `sliced` cuts it out of a larger batch (non-zero Arrow offsets). */
export function toBatch(rng: Rng, rows: Row[], sliced = false): RecordBatch {
  if (!sliced || rows.length === 0) return batchFromRows(FIELDS, rows);
  const before = rng.int(1, 5);
  const after = rng.int(0, 5);
  const pad = (k: number) => Array.from({ length: k }, () => randomRow(rng, 0));
  const whole = batchFromRows(FIELDS, [...pad(before), ...rows, ...pad(after)]);
  return whole.slice(before, before + rows.length);
}

/** Runs steps through an operator: output rows per watermark step. */
export function runOperator(op: Operator, steps: Step[], rng: Rng): Row[][] {
  const outputs: Row[][] = [];
  for (const step of steps) {
    if ("rows" in step) expect(op.processBatch(toBatch(rng, step.rows, step.sliced), 0)).toEqual([]);
    else outputs.push(op.processWatermark(step.watermark).flatMap(batchRows));
  }
  return outputs;
}

export function runReference(ref: WindowReference, steps: Step[]): Row[][] {
  const outputs: Row[][] = [];
  for (const step of steps) {
    if ("rows" in step) ref.addRows(step.rows);
    else outputs.push(ref.advance(step.watermark));
  }
  return outputs;
}

function rowId(row: Row, keys: string[]): string {
  return JSON.stringify([...keys.map((k) => row[k]), row.window_start, row.window_end]);
}

/** Same windows fired at the same watermark, aggregates equal (floats to ~1e-9 relative). */
export function expectSameOutputs(actual: Row[][], expected: Row[][], keys: string[]): void {
  expect(actual.length).toBe(expected.length);
  for (let step = 0; step < expected.length; step++) {
    const a = [...actual[step]].sort((x, y) => rowId(x, keys).localeCompare(rowId(y, keys)));
    const e = [...expected[step]].sort((x, y) => rowId(x, keys).localeCompare(rowId(y, keys)));
    expect(
      a.map((r) => rowId(r, keys)),
      `windows fired at watermark step ${step}`,
    ).toEqual(e.map((r) => rowId(r, keys)));
    for (let i = 0; i < e.length; i++) {
      for (const [name, want] of Object.entries(e[i])) {
        const got = a[i][name];
        const where = `step ${step}, window ${rowId(e[i], keys)}, column ${name}`;
        if (typeof want === "number" && typeof got === "number" && !Number.isInteger(want))
          expect(Math.abs(got - want), where).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
        else expect(got, where).toEqual(want);
      }
    }
  }
}
