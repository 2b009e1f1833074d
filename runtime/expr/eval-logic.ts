import { type BoolVec, broadcast, type Operand } from "./vec.js";

/**
 * Three-valued logic over byte-per-row booleans. A NULL row's value byte is never trusted:
 * FALSE AND NULL is FALSE, TRUE OR NULL is TRUE, everything else involving NULL is NULL.
 */

function bools(o: Operand, n: number): BoolVec {
  return o.kind === "scalar" ? (broadcast(o, "bool", n) as BoolVec) : (o as BoolVec);
}

/** a AND b: FALSE decides, TRUE vanishes. */
export function and3(a: Operand, b: Operand, n: number): BoolVec {
  return combine3(a, b, n, 0);
}

/** a OR b: TRUE decides, FALSE vanishes. */
export function or3(a: Operand, b: Operand, n: number): BoolVec {
  return combine3(a, b, n, 1);
}

/**
 * AND (decider 0) and OR (decider 1): a valid side equal to the decider makes the row valid with
 * that value whatever the other side is; otherwise the row is NULL if either side is.
 */
function combine3(a: Operand, b: Operand, n: number, decider: 0 | 1): BoolVec {
  // Constant sides decide or vanish: x AND TRUE = x, x AND FALSE = FALSE (and dually for OR).
  if (a.kind === "scalar" && a.value !== null) return Number(a.value) === decider ? bools(a, n) : bools(b, n);
  if (b.kind === "scalar" && b.value !== null) return Number(b.value) === decider ? bools(b, n) : bools(a, n);
  const x = bools(a, n);
  const y = bools(b, n);
  const out = new Uint8Array(n);
  const xv = x.values;
  const yv = y.values;
  if (!x.valid && !y.valid) {
    // The common case gets a loop of its own per operator.
    if (decider === 0) for (let i = 0; i < n; i++) out[i] = xv[i] & yv[i];
    else for (let i = 0; i < n; i++) out[i] = xv[i] | yv[i];
    return { kind: "bool", length: n, values: out, valid: null };
  }
  const valid = new Uint8Array(n);
  const allA = x.valid === null;
  const allB = y.valid === null;
  const va = x.valid ?? y.valid!;
  const vb = y.valid ?? x.valid!;
  const other = decider ^ 1;
  for (let i = 0; i < n; i++) {
    const pa = allA ? 1 : va[i];
    const pb = allB ? 1 : vb[i];
    const decided = (pa & (xv[i] ^ other)) | (pb & (yv[i] ^ other));
    valid[i] = (pa & pb) | decided;
    out[i] = (decided & decider) | (pa & pb & (decided ^ 1) & other);
  }
  return { kind: "bool", length: n, values: out, valid };
}

export function not3(a: Operand, n: number): BoolVec {
  const x = bools(a, n);
  const out = new Uint8Array(n);
  const xv = x.values;
  for (let i = 0; i < n; i++) out[i] = xv[i] ^ 1;
  return { kind: "bool", length: n, values: out, valid: x.valid };
}

/** IS [NOT] NULL / TRUE / FALSE: never NULL itself. */
export function isTest(a: Operand, what: "NULL" | "TRUE" | "FALSE", negated: boolean, n: number): BoolVec {
  const out = new Uint8Array(n);
  const flip = negated ? 1 : 0;
  if (a.kind === "scalar") {
    const hit = what === "NULL" ? a.value === null : what === "TRUE" ? a.value === true : a.value === false;
    out.fill((hit ? 1 : 0) ^ flip);
    return { kind: "bool", length: n, values: out, valid: null };
  }
  const valid = a.valid;
  if (what === "NULL") {
    if (!valid) out.fill(flip);
    else for (let i = 0; i < n; i++) out[i] = valid[i] ^ 1 ^ flip;
  } else {
    const xv = (a as BoolVec).values;
    const want = what === "TRUE" ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = ((valid ? valid[i] : 1) & (xv[i] === want ? 1 : 0)) ^ flip;
  }
  return { kind: "bool", length: n, values: out, valid: null };
}

/** Rows that are TRUE (not NULL), as a selection vector. */
export function selection(v: BoolVec): { indices: Int32Array; count: number } {
  const n = v.length;
  const indices = new Int32Array(n);
  const xv = v.values;
  const valid = v.valid;
  let count = 0;
  if (valid) {
    for (let i = 0; i < n; i++) if (xv[i] & valid[i]) indices[count++] = i;
  } else {
    for (let i = 0; i < n; i++) if (xv[i]) indices[count++] = i;
  }
  return { indices, count };
}
