import { textEncoder } from "../types/column.js";
import type { BoolVec, StrVec } from "./vec.js";

/**
 * LIKE, compiled once per pattern into a byte matcher. `%` matches any run of characters, `_` one
 * character (a whole UTF-8 sequence), `\` escapes the next character. The common shapes (exact,
 * prefix%, %suffix, %infix%) get their own loops; other patterns use a backtracking matcher that
 * remembers only the last `%`, which is enough for LIKE.
 */
type Part = Uint8Array | "_" | "%";

export function compileLike(pattern: string): (s: StrVec) => BoolVec {
  const parts = parsePattern(pattern);
  const lits = parts.filter((p): p is Uint8Array => p instanceof Uint8Array);
  const shape = parts.map((p) => (p instanceof Uint8Array ? "L" : p)).join("");
  let test: (b: Uint8Array, s: number, e: number) => boolean;
  if (shape === "" || shape === "L") {
    const lit = lits[0] ?? new Uint8Array(0);
    test = (b, s, e) => e - s === lit.length && equalAt(b, s, lit);
  } else if (shape === "L%") {
    test = (b, s, e) => e - s >= lits[0].length && equalAt(b, s, lits[0]);
  } else if (shape === "%L") {
    test = (b, s, e) => e - s >= lits[0].length && equalAt(b, e - lits[0].length, lits[0]);
  } else if (shape === "%L%") {
    test = (b, s, e) => indexOf(b, s, e, lits[0]) >= 0;
  } else if (shape === "%") {
    test = () => true;
  } else {
    test = (b, s, e) => matchGeneral(b, s, e, parts);
  }
  return (v: StrVec) => {
    const n = v.length;
    const out = new Uint8Array(n);
    const { offsets, bytes } = v;
    for (let i = 0; i < n; i++) out[i] = test(bytes, offsets[i], offsets[i + 1]) ? 1 : 0;
    return { kind: "bool", length: n, values: out, valid: v.valid };
  };
}

function parsePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let lit = "";
  const flush = () => {
    if (lit !== "") parts.push(textEncoder.encode(lit));
    lit = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\" && i + 1 < pattern.length) lit += pattern[++i];
    else if (c === "%" || c === "_") {
      flush();
      // Consecutive %s are one %.
      if (!(c === "%" && parts[parts.length - 1] === "%")) parts.push(c);
    } else lit += c;
  }
  flush();
  return parts;
}

function equalAt(b: Uint8Array, at: number, lit: Uint8Array): boolean {
  for (let j = 0; j < lit.length; j++) if (b[at + j] !== lit[j]) return false;
  return true;
}

function indexOf(b: Uint8Array, s: number, e: number, lit: Uint8Array): number {
  const last = e - lit.length;
  if (lit.length === 0) return s;
  const first = lit[0];
  for (let i = s; i <= last; i++) if (b[i] === first && equalAt(b, i, lit)) return i;
  return -1;
}

/** Bytes in the UTF-8 sequence that starts with byte x. */
function seqLength(x: number): number {
  return x < 0x80 ? 1 : x < 0xe0 ? 2 : x < 0xf0 ? 3 : 4;
}

function matchGeneral(b: Uint8Array, s: number, e: number, parts: Part[]): boolean {
  let i = s;
  let p = 0;
  let starP = -1;
  let starI = -1;
  while (i < e) {
    const part = parts[p];
    if (part instanceof Uint8Array && e - i >= part.length && equalAt(b, i, part)) {
      i += part.length;
      p++;
    } else if (part === "_") {
      i += seqLength(b[i]);
      p++;
    } else if (part === "%") {
      starP = p++;
      starI = i;
    } else if (starP >= 0) {
      p = starP + 1;
      starI += seqLength(b[starI]);
      i = starI;
    } else {
      return false;
    }
  }
  while (p < parts.length && parts[p] === "%") p++;
  return p === parts.length && i <= e;
}
