import { broadcast, type NumVec, type Operand } from "./vec.js";

/** ABS, ROUND, FLOOR, CEIL over float64-carried numbers. */

function nums(o: Operand, n: number): NumVec {
  return o.kind === "scalar" ? (broadcast(o, "num", n) as NumVec) : (o as NumVec);
}

export function mathFn(name: "ABS" | "FLOOR" | "CEIL", a: Operand, n: number): NumVec {
  const x = nums(a, n).values;
  const out = new Float64Array(n);
  switch (name) {
    case "ABS":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case "FLOOR":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      break;
    case "CEIL":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      break;
  }
  return { kind: "num", length: n, values: out, valid: nums(a, n).valid };
}

/**
 * ROUND(x, digits): half away from zero, as SQL's ROUND on exact numbers. Scaling by a power of
 * ten is the usual float64 compromise (ROUND(1.005, 2) is 1 because 1.005 is 1.00499… in binary).
 */
export function round(a: Operand, digits: number, n: number): NumVec {
  const v = nums(a, n);
  const x = v.values;
  const out = new Float64Array(n);
  if (digits === 0) {
    for (let i = 0; i < n; i++) out[i] = roundHalfAway(x[i]);
  } else if (digits > 0) {
    const f = 10 ** digits;
    for (let i = 0; i < n; i++) out[i] = roundHalfAway(x[i] * f) / f;
  } else {
    const f = 10 ** -digits;
    for (let i = 0; i < n; i++) out[i] = roundHalfAway(x[i] / f) * f;
  }
  return { kind: "num", length: n, values: out, valid: v.valid };
}

export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
