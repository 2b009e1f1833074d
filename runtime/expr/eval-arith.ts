import type { ArithOp } from "./ast.js";
import { andValid, broadcast, type NumVec, type Operand, validOf } from "./vec.js";

/**
 * + - * / % over whole columns. One tight loop per operator and operand shape (column-column,
 * column-constant, constant-column): a per-row callback would cost more than the arithmetic.
 * Division and modulo by zero give NULL; integer division truncates toward zero.
 */
export function arith(op: ArithOp, a: Operand, b: Operand, n: number, integer: boolean): NumVec {
  if ((a.kind === "scalar" && a.value === null) || (b.kind === "scalar" && b.value === null)) return nullNums(n);
  if (a.kind === "scalar" && b.kind === "scalar") a = broadcast(a, "num", n);
  const out = new Float64Array(n);
  let valid = andValid(validOf(a), validOf(b), n);
  let divisor: Float64Array | null = null;
  if (a.kind === "num" && b.kind === "num") {
    columnColumn(op, a.values, b.values, out, n);
    divisor = b.values;
  } else if (a.kind === "num" && b.kind === "scalar") {
    const k = Number(b.value);
    if ((op === "/" || op === "%") && k === 0) return nullNums(n);
    columnConstant(op, a.values, k, out, n);
  } else if (a.kind === "scalar" && b.kind === "num") {
    constantColumn(op, Number(a.value), b.values, out, n);
    divisor = b.values;
  }
  if (op === "/" || op === "%") {
    if (divisor) valid = nullWhereZero(divisor, valid, n);
    if (integer && op === "/") for (let i = 0; i < n; i++) out[i] = Math.trunc(out[i]);
  }
  return { kind: "num", length: n, values: out, valid };
}

export function negate(a: Operand, n: number): NumVec {
  if (a.kind === "scalar") return negate(broadcast(a, "num", n), n);
  const x = (a as NumVec).values;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -x[i];
  return { kind: "num", length: n, values: out, valid: a.valid };
}

export function nullNums(n: number): NumVec {
  return { kind: "num", length: n, values: new Float64Array(n), valid: new Uint8Array(n) };
}

function nullWhereZero(d: Float64Array, valid: Uint8Array | null, n: number): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) {
      // Copy on first write: `valid` may be an input column's validity.
      out ??= valid ? valid.slice() : new Uint8Array(n).fill(1);
      out[i] = 0;
    }
  }
  return out ?? valid;
}

function columnColumn(op: ArithOp, x: Float64Array, y: Float64Array, out: Float64Array, n: number): void {
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
      return;
    case "-":
      for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
      return;
    case "*":
      for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
      return;
    case "/":
      for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
      return;
    case "%":
      for (let i = 0; i < n; i++) out[i] = x[i] % y[i];
      return;
  }
}

function columnConstant(op: ArithOp, x: Float64Array, k: number, out: Float64Array, n: number): void {
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = x[i] + k;
      return;
    case "-":
      for (let i = 0; i < n; i++) out[i] = x[i] - k;
      return;
    case "*":
      for (let i = 0; i < n; i++) out[i] = x[i] * k;
      return;
    case "/":
      for (let i = 0; i < n; i++) out[i] = x[i] / k;
      return;
    case "%":
      for (let i = 0; i < n; i++) out[i] = x[i] % k;
      return;
  }
}

function constantColumn(op: ArithOp, k: number, y: Float64Array, out: Float64Array, n: number): void {
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = k + y[i];
      return;
    case "-":
      for (let i = 0; i < n; i++) out[i] = k - y[i];
      return;
    case "*":
      for (let i = 0; i < n; i++) out[i] = k * y[i];
      return;
    case "/":
      for (let i = 0; i < n; i++) out[i] = k / y[i];
      return;
    case "%":
      for (let i = 0; i < n; i++) out[i] = k % y[i];
      return;
  }
}
