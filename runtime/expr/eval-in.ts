import { type BoolVec, broadcast, type NumVec, type Operand, plain, type Scalar, type StrVec } from "./vec.js";

/**
 * `x IN (constants)` in one pass per row. SQL semantics: a match is TRUE; no match is FALSE,
 * unless the list holds a NULL, in which case it is NULL; a NULL x is NULL.
 * (Lists with non-constant items are rewritten into OR-ed equalities by the compiler.)
 */
export function inList(a: Operand, items: Scalar[], domain: "num" | "str" | "bool", n: number): BoolVec {
  const x = a.kind === "scalar" ? broadcast(a, domain, n) : a;
  const listHasNull = items.some((s) => s.value === null);
  const present = items.filter((s) => s.value !== null);
  const out = new Uint8Array(n);
  if (domain === "str")
    matchStrings(
      plain(x as StrVec),
      present.map((s) => s.bytes!),
      out,
      n,
    );
  else
    matchNumbers(
      x,
      present.map((s) => Number(s.value)),
      out,
      n,
    );
  let valid = x.valid;
  if (listHasNull) {
    const v = new Uint8Array(n);
    for (let i = 0; i < n; i++) v[i] = (valid ? valid[i] : 1) & out[i];
    valid = v;
  }
  return { kind: "bool", length: n, values: out, valid };
}

function matchNumbers(x: Operand, list: number[], out: Uint8Array, n: number): void {
  const values = x.kind === "bool" ? Float64Array.from(x.values) : (x as NumVec).values;
  if (list.length <= 8) {
    const k = Float64Array.from(list);
    const m = k.length;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      let hit = 0;
      for (let j = 0; j < m; j++) if (v === k[j]) hit = 1;
      out[i] = hit;
    }
    return;
  }
  const set = new Set(list);
  for (let i = 0; i < n; i++) out[i] = set.has(values[i]) ? 1 : 0;
}

function matchStrings(s: StrVec, list: Uint8Array[], out: Uint8Array, n: number): void {
  const { offsets, bytes } = s;
  for (let i = 0; i < n; i++) {
    const start = offsets[i];
    const len = offsets[i + 1] - start;
    let hit = 0;
    for (let j = 0; hit === 0 && j < list.length; j++) {
      const lit = list[j];
      if (lit.length !== len) continue;
      let eq = true;
      for (let k = 0; eq && k < len; k++) eq = bytes[start + k] === lit[k];
      if (eq) hit = 1;
    }
    out[i] = hit;
  }
}
