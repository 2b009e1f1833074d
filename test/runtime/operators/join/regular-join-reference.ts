import type { RecordBatch, Schema } from "apache-arrow";
import { expect } from "vitest";
import { hashRows } from "../../../../runtime/kernels/hash.js";
import { takeBatch } from "../../../../runtime/kernels/take.js";
import { hashColumns, hashWidths } from "../../../../runtime/operators/join/keys.js";
import type { StreamJoin, StreamJoinOptions } from "../../../../runtime/operators/join/regular-join.js";
import type { Operator } from "../../../../runtime/operators/operator.js";
import { columnsOf } from "../../../../runtime/types/column.js";
import { throughStorage } from "../../../helpers/snapshots.js";
import {
  arrivals,
  batchOf,
  canonical,
  type Kind,
  keyOf,
  Rng,
  type Row,
  randomSteps,
  rowsOf,
  type Step,
  schemaOf,
  type Value,
} from "./join-data.js";

/**
 * Row-at-a-time reference of the regular and interval joins, independent of the operators, and
 * the scenarios both tests feed: each arriving row is kept or counted late by the watermark at its
 * arrival, and the output is every pair of kept rows (nested loops) whose keys are equal and whose
 * times satisfy the join's rule, given the watermark when the pair's second row arrived.
 */

export type { Step };

export interface Case {
  left: Schema;
  right: Schema;
  leftKey: string[];
  rightKey: string[];
  leftTime: string;
  rightTime: string;
}

/** When a left row at lt and a right row at rt pair; `wm` is the watermark when the later one arrived. */
export interface Rule {
  /** An arriving row at t is late (dropped) under watermark wm. */
  late(t: number, wm: number): boolean;
  /** Whether the pair is emitted (the earlier row still kept when the later arrived). */
  pairs(lt: number, rt: number, earlierTime: number, wm: number): boolean;
}

export const SETUPS: { name: string; left: [string, Kind][]; right: [string, Kind][]; key: string[] }[] = [
  {
    name: "int32+dictionary keys against int64+utf8 keys",
    left: [
      ["k", "int32"],
      ["kd", "dict"],
      ["t", "timestamp"],
      ["v", "float64"],
      ["b", "bool"],
    ],
    right: [
      ["k", "int64"],
      ["kd", "utf8"],
      ["t", "int64"],
      ["name", "dict"],
    ],
    key: ["k", "kd"],
  },
  {
    name: "utf8 key against a dictionary key",
    left: [
      ["k", "utf8"],
      ["t", "timestamp"],
      ["v", "int64"],
    ],
    right: [
      ["k", "dict"],
      ["t", "timestamp"],
      ["s", "utf8"],
    ],
    key: ["k"],
  },
];

const KEYS_INT = [0, 1, 2, 3, -7, 2147483647];
const KEYS_STR = ["a", "b", "é", "", "long key ☃", "f"];

function randomValue(kind: Kind, column: string, rng: Rng): Value {
  if (rng.chance(0.05)) return null;
  if (kind === "int32" || kind === "int64")
    return column === "k" ? rng.pick(KEYS_INT) : rng.range(0, 2_000_001) - 1_000_000;
  if (kind === "float64") return rng.range(0, 1000) / 8;
  if (kind === "bool") return rng.chance(0.5);
  return column === "k" || column === "kd" ? rng.pick(KEYS_STR) : `s${rng.range(0, 50)}`;
}

/** Batches of both sides with out-of-order times, late rows, null keys and times, empty and sliced batches. */
export function scenario(setup: (typeof SETUPS)[number], seed: number, batches = 100): { c: Case; steps: Step[] } {
  const rng = new Rng(seed);
  const c: Case = {
    left: schemaOf(setup.left),
    right: schemaOf(setup.right),
    leftKey: setup.key,
    rightKey: setup.key,
    leftTime: "t",
    rightTime: "t",
  };
  const steps = randomSteps(rng, {
    batches,
    gap: 1_500,
    maxRows: 25,
    jitter: 4_000,
    behind: 10_000,
    lag: 4_000,
    lagSpread: 2_000,
    columns: (input) => (input === 0 ? setup.left : setup.right),
    timeColumn: () => "t",
    value: randomValue,
  });
  return { c, steps };
}

export function joinOptions(c: Case, maxParallelism = 16): StreamJoinOptions {
  return {
    name: "test.join",
    left: { schema: c.left, timeField: c.leftTime },
    right: { schema: c.right, timeField: c.rightTime },
    rightName: "r",
    leftKey: c.leftKey,
    rightKey: c.rightKey,
    maxParallelism,
  };
}

/** Rows the join should emit for `steps` (any order), and how many it should count late. */
export function referenceJoin(c: Case, steps: Step[], rule: Rule | null): { rows: Row[]; late: number } {
  let late = 0;
  const kept: [{ row: Row; seq: number; wm: number }[], { row: Row; seq: number; wm: number }[]] = [[], []];
  for (const { input, row, wm, seq } of arrivals(steps)) {
    const t = row.t;
    if (keyOf(row, input === 0 ? c.leftKey : c.rightKey) === null) continue;
    if (rule && t === null) continue;
    if (rule?.late(t as number, wm)) late++;
    else kept[input].push({ row, seq, wm });
  }
  const taken = new Set(c.left.fields.map((f) => f.name));
  const rightName = (n: string) => (taken.has(n) ? `r_${n}` : n);
  const out: Row[] = [];
  for (const l of kept[0])
    for (const r of kept[1]) {
      const [earlier, later] = l.seq < r.seq ? [l, r] : [r, l];
      const lk = keyOf(l.row, c.leftKey)!;
      const rk = keyOf(r.row, c.rightKey)!;
      if (!lk.every((v, i) => v === rk[i])) continue;
      if (rule && !rule.pairs(l.row.t as number, r.row.t as number, earlier.row.t as number, later.wm)) continue;
      const o: Row = {};
      for (const f of c.left.fields) o[f.name] = l.row[f.name] ?? null;
      for (const f of c.right.fields) o[rightName(f.name)] = r.row[f.name] ?? null;
      out.push(o);
    }
  return { rows: out, late };
}

export type Fed = { input: number; batch: RecordBatch; rows: Row[] } | { watermark: number };

/** Builds the steps' batches once (the same Arrow batches go to every run). */
export function materialize(c: Case, steps: Step[], seed: number): Fed[] {
  const rng = new Rng(seed);
  return steps.map((s) => {
    if ("watermark" in s) return s;
    const batch = batchOf(s.input === 0 ? c.left : c.right, s.rows, rng);
    if (!s.slice) return { input: s.input, batch, rows: s.rows };
    return { input: s.input, batch: batch.slice(s.slice[0], s.slice[1]), rows: s.rows.slice(s.slice[0], s.slice[1]) };
  });
}

/** Feeds steps [from, to); checks no output row is behind the watermark the operator passed on. */
export function run(op: StreamJoin, fed: Fed[], from = 0, to = fed.length): Row[] {
  const out: Row[] = [];
  const delay = (op as Operator).watermarkDelay ?? 0;
  let passed = -Infinity;
  const timeField = op.output.timeField;
  for (const s of fed.slice(from, to)) {
    if ("watermark" in s) {
      expect(op.processWatermark(s.watermark)).toEqual([]);
      passed = Math.max(passed, s.watermark - delay);
      continue;
    }
    for (const b of op.processBatch(s.batch, s.input))
      for (const r of rowsOf(b)) {
        if (timeField !== undefined && (r[timeField] as number) < passed)
          throw new Error(`row at ${r[timeField]} emitted behind the passed-on watermark ${passed}`);
        out.push(r);
      }
  }
  return out;
}

/**
 * Restores `first`'s snapshot into two subtasks owning half the key groups each, and routes the
 * steps from `cut` on to the subtask of their rows' key group, as the exchange would (both sides
 * hashed at the join's widths): each subtask with what it is fed.
 */
export function splitInTwo<Op extends Operator>(
  c: Pick<Case, "left" | "right" | "leftKey" | "rightKey">,
  fed: Fed[],
  cut: number,
  make: () => Op,
  first: Op,
  mp: number,
): { op: Op; fed: Fed[] }[] {
  const snap = throughStorage(first.snapshot()!);
  const widths = hashWidths(
    c.leftKey.map((k) => c.left.fields.find((f) => f.name === k)!),
    c.rightKey.map((k) => c.right.fields.find((f) => f.name === k)!),
  );
  const owner = (g: number) => (g < mp / 2 ? 0 : 1);
  const subtasks = [0, 1].map((t) => {
    const op = make();
    op.restore({ meta: snap.meta, keyGroups: new Map([...snap.keyGroups].filter(([g]) => owner(g) === t)) });
    return { op, fed: [] as Fed[] };
  });
  for (const s of fed.slice(cut)) {
    if ("watermark" in s) {
      for (const t of subtasks) t.fed.push(s);
      continue;
    }
    const schema = s.input === 0 ? c.left : c.right;
    const unsliced = batchOf(schema, s.rows, new Rng(1));
    const key = (s.input === 0 ? c.leftKey : c.rightKey).map((k) => schema.fields.findIndex((f) => f.name === k));
    const cols = columnsOf(unsliced);
    const hashes = hashRows(
      hashColumns(
        key.map((k) => cols[k]),
        widths,
      ),
      unsliced.numRows,
    );
    for (const [t, sub] of subtasks.entries()) {
      const sel = Int32Array.from([...hashes.keys()].filter((i) => owner(hashes[i] % mp) === t));
      sub.fed.push({ input: s.input, batch: takeBatch(unsliced, sel), rows: [] });
    }
  }
  return subtasks;
}

/** The rows of `first` restored into two subtasks and fed the steps from `cut` on (splitInTwo). */
export function rescaled(
  c: Case,
  fed: Fed[],
  cut: number,
  make: () => StreamJoin,
  first: StreamJoin,
  mp: number,
): Row[] {
  return splitInTwo(c, fed, cut, make, first, mp).flatMap((t) => run(t.op, t.fed));
}

/**
 * Runs a join made by `make` over scenario `seed` of `setup` and checks its rows and late count
 * against the reference; a join with a time rule must hold no rows after the final watermark.
 */
export function expectReference(
  setup: (typeof SETUPS)[number],
  seed: number,
  rule: Rule | null,
  make: (c: Case) => StreamJoin,
): StreamJoin {
  const { c, steps } = scenario(setup, seed);
  const expected = referenceJoin(c, steps, rule);
  const op = make(c);
  const rows = run(op, materialize(c, steps, seed));
  expect(expected.rows.length).toBeGreaterThan(0);
  expect(canonical(rows)).toEqual(canonical(expected.rows));
  expect(op.lateRecords()).toBe(expected.late);
  if (rule) {
    expect(expected.late).toBeGreaterThan(0);
    // The final watermark (+Infinity) prunes everything.
    expect(op.bufferedRows()).toEqual([0, 0]);
  }
  return op;
}

/**
 * Snapshots a join after each of `cuts` steps (gathering the snapshot only after it processed
 * the later steps too), restores it into a new join, and checks that the restored join's output
 * completes the output of one uninterrupted run and equals the first join's, late counts included.
 */
export function expectSameAfterRestore(fed: Fed[], cuts: number[], make: () => StreamJoin): void {
  const whole = make();
  const expected = run(whole, fed);
  for (const cut of cuts) {
    const first = make();
    const before = run(first, fed, 0, cut);
    const lateBefore = first.lateRecords();
    const snapshot = first.snapshot();
    // Key groups are gathered while processing goes on: later appends and compactions must not show.
    const continued = run(first, fed, cut);
    const second = make();
    second.restore(throughStorage(snapshot));
    const after = run(second, fed, cut);
    expect(canonical([...before, ...after])).toEqual(canonical(expected));
    expect(canonical(after)).toEqual(canonical(continued));
    expect(lateBefore + second.lateRecords()).toBe(whole.lateRecords());
  }
}
