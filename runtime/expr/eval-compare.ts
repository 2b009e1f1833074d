import type { CompareOp } from "./ast.js";
import { andValid, type BoolVec, broadcast, type NumVec, type Operand, plain, type StrVec, validOf } from "./vec.js";

/**
 * Comparisons. Numbers (and timestamps, and booleans as 0/1) compare as float64; strings compare
 * as UTF-8 bytes, which orders them by code point, and a column against a literal compares the
 * row's bytes with the literal's encoded bytes: no string is ever decoded.
 */
export function compare(op: CompareOp, a: Operand, b: Operand, n: number, domain: "num" | "str" | "bool"): BoolVec {
  if ((a.kind === "scalar" && a.value === null) || (b.kind === "scalar" && b.value === null)) return nullBools(n);
  if (a.kind === "scalar" && b.kind === "scalar") a = broadcast(a, domain === "str" ? "str" : domain, n);
  const out = new Uint8Array(n);
  const valid = andValid(validOf(a), validOf(b), n);
  if (domain === "str") {
    if (b.kind === "scalar") compareStrConst(op, str(a), b.bytes!, out, n);
    else if (a.kind === "scalar") compareStrConst(FLIP[op], str(b), a.bytes!, out, n);
    else compareStrStr(op, str(a), str(b), out, n);
  } else if (b.kind === "scalar") {
    compareNumConst(op, num(a), Number(b.value), out, n);
  } else if (a.kind === "scalar") {
    compareNumConst(FLIP[op], num(b), Number(a.value), out, n);
  } else {
    compareNumNum(op, num(a), num(b), out, n);
  }
  return { kind: "bool", length: n, values: out, valid };
}

export const FLIP: Record<CompareOp, CompareOp> = { "=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

export function nullBools(n: number): BoolVec {
  return { kind: "bool", length: n, values: new Uint8Array(n), valid: new Uint8Array(n) };
}

function str(o: Operand): StrVec {
  return plain(o as StrVec);
}

function num(o: Operand): Float64Array {
  if (o.kind === "bool") return Float64Array.from(o.values);
  return (o as NumVec).values;
}

function compareNumConst(op: CompareOp, x: Float64Array, k: number, out: Uint8Array, n: number): void {
  switch (op) {
    case "=":
      for (let i = 0; i < n; i++) out[i] = x[i] === k ? 1 : 0;
      return;
    case "<>":
      for (let i = 0; i < n; i++) out[i] = x[i] !== k ? 1 : 0;
      return;
    case "<":
      for (let i = 0; i < n; i++) out[i] = x[i] < k ? 1 : 0;
      return;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = x[i] <= k ? 1 : 0;
      return;
    case ">":
      for (let i = 0; i < n; i++) out[i] = x[i] > k ? 1 : 0;
      return;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = x[i] >= k ? 1 : 0;
      return;
  }
}

function compareNumNum(op: CompareOp, x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  switch (op) {
    case "=":
      for (let i = 0; i < n; i++) out[i] = x[i] === y[i] ? 1 : 0;
      return;
    case "<>":
      for (let i = 0; i < n; i++) out[i] = x[i] !== y[i] ? 1 : 0;
      return;
    case "<":
      for (let i = 0; i < n; i++) out[i] = x[i] < y[i] ? 1 : 0;
      return;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = x[i] <= y[i] ? 1 : 0;
      return;
    case ">":
      for (let i = 0; i < n; i++) out[i] = x[i] > y[i] ? 1 : 0;
      return;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = x[i] >= y[i] ? 1 : 0;
      return;
  }
}

/** For each op, the result when the left side sorts before, equal to, after the right side. */
const OUTCOME: Record<CompareOp, Uint8Array> = {
  "=": Uint8Array.of(0, 1, 0),
  "<>": Uint8Array.of(1, 0, 1),
  "<": Uint8Array.of(1, 0, 0),
  "<=": Uint8Array.of(1, 1, 0),
  ">": Uint8Array.of(0, 0, 1),
  ">=": Uint8Array.of(0, 1, 1),
};

/** -1, 0 or 1: bytes a[as, ae) against b[bs, be). */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const m = Math.min(la, lb);
  for (let i = 0; i < m; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function compareStrConst(op: CompareOp, s: StrVec, lit: Uint8Array, out: Uint8Array, n: number): void {
  const { offsets, bytes } = s;
  const len = lit.length;
  if (op === "=" || op === "<>") {
    const hit = op === "=" ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const start = offsets[i];
      let eq = offsets[i + 1] - start === len;
      for (let j = 0; eq && j < len; j++) eq = bytes[start + j] === lit[j];
      out[i] = eq ? hit : 1 - hit;
    }
    return;
  }
  const outcome = OUTCOME[op];
  for (let i = 0; i < n; i++) out[i] = outcome[compareBytes(bytes, offsets[i], offsets[i + 1], lit, 0, len) + 1];
}

function compareStrStr(op: CompareOp, a: StrVec, b: StrVec, out: Uint8Array, n: number): void {
  const outcome = OUTCOME[op];
  const { offsets: ao, bytes: ab } = a;
  const { offsets: bo, bytes: bb } = b;
  for (let i = 0; i < n; i++) out[i] = outcome[compareBytes(ab, ao[i], ao[i + 1], bb, bo[i], bo[i + 1]) + 1];
}
