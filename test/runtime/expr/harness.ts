import type { RecordBatch } from "apache-arrow";
import { expect } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { compileExpression, compilePredicate } from "../../../runtime/expr/index.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromColumns, Rng, randomColumn } from "../../helpers/random.js";

/**
 * Shared fixtures for the expression tests: randomized batches over every column type (with
 * NULLs, dictionary columns, empty and sliced batches) and a checker that compares the
 * compiled, vectorized result with a row-at-a-time reference written in plain JS.
 */
export type V = string | number | boolean | null;
export type Row = Record<string, V>;

export const FIELDS: FieldSpec[] = [
  { name: "i", type: "int32" },
  { name: "j", type: "int32" },
  { name: "l", type: "int64" },
  { name: "x", type: "float64" },
  { name: "y", type: "float64" },
  { name: "s", type: "utf8" },
  { name: "t", type: "utf8" },
  { name: "d", type: "utf8", dictionary: true },
  { name: "e", type: "utf8", dictionary: true },
  { name: "b", type: "bool" },
  { name: "c", type: "bool" },
  { name: "ts", type: "timestamp[ms]" },
  { name: "n", type: "int64", nullable: false },
  { name: "num_text", type: "utf8" },
];

/** Text that CAST should (or should not) read as a number, boolean or timestamp. */
export const NUMERIC_TEXT = [
  "12",
  " -7 ",
  "+3",
  "3.5",
  "-0.25",
  "1e3",
  ".5",
  "abc",
  "",
  "2147483648",
  "9007199254740993",
  "true",
  "F",
  "yes",
  "off",
  "2024-01-01",
  "2024-01-01 10:00:00",
  "2024-01-01T10:00:00.250Z",
  "2024-02-30",
  "1704067200000",
];

/** Small ints so that products stay exact; zeros appear often enough to test x/0. */
const INTS: [number, number] = [-50, 50];

export function makeBatch(rng: Rng, rows: number, nullRate: number): RecordBatch {
  const cols = FIELDS.map((f) =>
    f.name === "num_text"
      ? randomColumn(rng, f, rows, { nullRate, strings: NUMERIC_TEXT })
      : randomColumn(rng, f, rows, { nullRate, intRange: f.type === "int64" ? [-1_000_000, 1_000_000] : INTS }),
  );
  return batchFromColumns(FIELDS, cols);
}

/** The batches every expression is checked on. */
export function testBatches(seed: number): { name: string; batch: RecordBatch }[] {
  const rng = new Rng(seed);
  const out: { name: string; batch: RecordBatch }[] = [];
  for (let k = 0; k < 6; k++) {
    const nullRate = [0, 0.1, 0.4][k % 3];
    out.push({ name: `random #${k} (nullRate ${nullRate})`, batch: makeBatch(rng, rng.int(1, 400), nullRate) });
  }
  out.push({ name: "empty", batch: makeBatch(rng, 0, 0.1) });
  out.push({ name: "all null", batch: makeBatch(rng, 20, 1) });
  out.push({ name: "sliced", batch: makeBatch(rng, 300, 0.2).slice(37, 200) });
  return out;
}

export function rowsOf(batch: RecordBatch): Row[] {
  const cols = batch.data.children;
  const names = batch.schema.fields.map((f) => f.name);
  return Array.from({ length: batch.numRows }, (_, i) =>
    Object.fromEntries(names.map((n, c) => [n, valueAt(cols[c], i)])),
  );
}

/** Equal as SQL values: both NULL, or equal (numbers beyond 2^53 compared approximately). */
export function same(a: V, b: V): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (Math.abs(b) > 2 ** 53) return Math.abs(a - b) <= Math.abs(b) * 1e-9;
    return a === b;
  }
  return a === b;
}

/** Evaluates `sql` on every test batch and compares each row with `ref(row)`. */
export function checkExpr(sql: string, ref: (r: Row) => V, seed = 1): void {
  for (const { name, batch } of testBatches(seed)) {
    const compiled = compileExpression(sql, { schema: batch.schema });
    const out = compiled.evaluate(batch);
    expect(out.length, `${sql} on ${name}: length`).toBe(batch.numRows);
    const rows = rowsOf(batch);
    rows.forEach((row, i) => {
      const want = ref(row);
      if (typeof want === "number" && Math.abs(want) >= 2 ** 62) return; // beyond int64: not representable
      const got = valueAt(out, i);
      if (!same(got, want)) {
        expect.fail(
          `${sql} on ${name}, row ${i} ${JSON.stringify(row)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
        );
      }
    });
  }
}

/** Checks the selection of a predicate: exactly the rows where the reference is TRUE. */
export function checkPredicate(sql: string, ref: (r: Row) => V, seed = 1): void {
  for (const { name, batch } of testBatches(seed)) {
    const { indices, count } = compilePredicate(sql, { schema: batch.schema }).selection(batch);
    const want = rowsOf(batch).flatMap((r, i) => (ref(r) === true ? [i] : []));
    expect(Array.from(indices.subarray(0, count)), `${sql} on ${name}`).toEqual(want);
  }
}

// ---- Row-at-a-time SQL semantics, written independently of the engine ----

/** NULL if any argument is NULL, else f(args). */
export function strict<T extends V[]>(f: (...a: { [K in keyof T]: NonNullable<T[K]> }) => V): (...a: T) => V {
  return (...a: T) => (a.some((v) => v === null) ? null : f(...(a as { [K in keyof T]: NonNullable<T[K]> })));
}

export const and3 = (a: V, b: V): V => (a === false || b === false ? false : a === null || b === null ? null : true);
export const or3 = (a: V, b: V): V => (a === true || b === true ? true : a === null || b === null ? null : false);
export const not3 = (a: V): V => (a === null ? null : !a);

/** SQL comparison: strings by UTF-8 bytes (code points), numbers and booleans by value. */
export function cmp(a: V, b: V): number | null {
  if (a === null || b === null) return null;
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(Buffer.from(a), Buffer.from(b));
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const div = (a: V, b: V, integer: boolean): V =>
  a === null || b === null || b === 0 ? null : integer ? Math.trunc(Number(a) / Number(b)) : Number(a) / Number(b);
export const mod = (a: V, b: V): V => (a === null || b === null || b === 0 ? null : Number(a) % Number(b));

/** LIKE via a regular expression built from the pattern. */
export function like(s: V, pattern: string): V {
  if (s === null) return null;
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, "u").test(String(s));
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

export const chars = (s: string): string[] => [...s];

export function substring(s: V, start: V, len?: V): V {
  if (s === null || start === null || len === null) return null;
  if (len !== undefined && Number(len) < 0) return null;
  const cs = chars(String(s));
  const from = Math.max(Number(start), 1);
  const to = len === undefined ? Infinity : Number(start) + Number(len);
  return cs.slice(from - 1, Math.max(from - 1, to - 1)).join("");
}

export function roundRef(x: V, digits = 0): V {
  if (x === null) return null;
  const f = 10 ** Math.abs(digits);
  const r = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
  return digits >= 0 ? r(Number(x) * f) / f : r(Number(x) / f) * f;
}
