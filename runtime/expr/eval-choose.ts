import { type BoolVec, type NumVec, type Operand, plain, type StrVec, type Vec } from "./vec.js";

/**
 * CASE, COALESCE and NULLIF share one kernel: the compiler works out, per row, which branch
 * supplies the value (`pick[i]`, or -1 for NULL); this gathers the values. Every branch is
 * evaluated for the whole batch (vectorized, and SQL errors cannot occur: x/0 is NULL).
 */
export function choose(branches: Operand[], pick: Int32Array, kind: "num" | "bool" | "str", n: number): Vec {
  const valid = new Uint8Array(n);
  const branchValid = branches.map((b) => (b.kind === "scalar" ? (b.value === null ? ZERO : null) : b.valid));
  for (let i = 0; i < n; i++) {
    const p = pick[i];
    if (p < 0) continue;
    const v = branchValid[p];
    valid[i] = v === null ? 1 : v === ZERO ? 0 : v[i];
  }
  if (kind === "str") return chooseStr(branches, pick, valid, n);
  const consts = branches.map((b) => (b.kind === "scalar" ? Number(b.value ?? 0) : 0));
  const arrays = branches.map((b) => (b.kind === "scalar" ? null : (b as NumVec | BoolVec).values));
  const out = kind === "num" ? new Float64Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = pick[i];
    if (p < 0) continue;
    const arr = arrays[p];
    out[i] = arr === null ? consts[p] : arr[i];
  }
  return kind === "num"
    ? { kind, length: n, values: out as Float64Array, valid }
    : { kind, length: n, values: out as Uint8Array, valid };
}

const ZERO = new Uint8Array(0);

function chooseStr(branches: Operand[], pick: Int32Array, valid: Uint8Array, n: number): StrVec {
  const vecs = branches.map((b) => (b.kind === "scalar" ? null : plain(b as StrVec)));
  const lits = branches.map((b) => (b.kind === "scalar" ? (b.bytes ?? new Uint8Array(0)) : null));
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = pick[i];
    if (p >= 0 && valid[i]) {
      const v = vecs[p];
      total += v ? v.offsets[i + 1] - v.offsets[i] : lits[p]!.length;
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] === offsets[i]) continue;
    const p = pick[i];
    const v = vecs[p];
    bytes.set(v ? v.bytes.subarray(v.offsets[i], v.offsets[i + 1]) : lits[p]!, offsets[i]);
  }
  return { kind: "str", length: n, offsets, bytes, valid };
}

/** First branch whose row is TRUE (for CASE WHEN) is written into `pick` where still unset. */
export function pickWhere(cond: Operand, branch: number, pick: Int32Array, n: number): void {
  if (cond.kind === "scalar") {
    if (cond.value === true) for (let i = 0; i < n; i++) if (pick[i] === UNSET) pick[i] = branch;
    return;
  }
  const c = cond as BoolVec;
  const v = c.valid;
  for (let i = 0; i < n; i++) if (pick[i] === UNSET && c.values[i] && (!v || v[i])) pick[i] = branch;
}

/** For COALESCE: the first non-NULL argument. */
export function pickValid(arg: Operand, branch: number, pick: Int32Array, n: number): void {
  if (arg.kind === "scalar") {
    if (arg.value !== null) for (let i = 0; i < n; i++) if (pick[i] === UNSET) pick[i] = branch;
    return;
  }
  const v = arg.valid;
  for (let i = 0; i < n; i++) if (pick[i] === UNSET && (!v || v[i])) pick[i] = branch;
}

export const UNSET = -2;

/** Rows no branch claimed take `fallback` (the ELSE branch, or -1 for NULL). */
export function pickRest(pick: Int32Array, fallback: number, n: number): void {
  for (let i = 0; i < n; i++) if (pick[i] === UNSET) pick[i] = fallback;
}
