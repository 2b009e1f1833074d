import { textEncoder } from "../types/column.js";
import { broadcast, type NumVec, type Operand, type StrVec } from "./vec.js";

/**
 * Time-of-day parts, DATE_FORMAT, REGEXP_EXTRACT and SPLIT_INDEX (Flink's functions). Timestamps
 * are epoch milliseconds read as UTC wall-clock time (Sabot's TIMESTAMP has no zone). The string
 * functions decode each row: they are per-row by nature (a regular expression, a split), and
 * Nexmark's q10, q21 and q22 use them once per row.
 */

const DAY_MS = 86_400_000;

/** The unit of a time-of-day part, in ms, and how many of them a day or an hour holds. */
export const TIME_PARTS = {
  HOUR: { unit: 3_600_000, per: 24 },
  MINUTE: { unit: 60_000, per: 60 },
  SECOND: { unit: 1000, per: 60 },
} as const;

function nums(o: Operand, n: number): NumVec {
  return o.kind === "scalar" ? (broadcast(o, "num", n) as NumVec) : (o as NumVec);
}

function strs(o: Operand, n: number): StrVec {
  return o.kind === "scalar" ? (broadcast(o, "str", n) as StrVec) : (o as StrVec);
}

/** HOUR(ts), MINUTE(ts), SECOND(ts): the part of the UTC wall-clock time; null stays null. */
export function timePart(part: keyof typeof TIME_PARTS, ts: Operand, n: number): NumVec {
  const t = nums(ts, n);
  const { unit, per } = TIME_PARTS[part];
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ms = ((t.values[i] % DAY_MS) + DAY_MS) % DAY_MS;
    values[i] = Math.floor(ms / unit) % per;
  }
  return { kind: "num", length: n, values, valid: t.valid };
}

/** One piece of a compiled DATE_FORMAT pattern: a field of the date or literal text. */
type FormatPiece = { field: (d: Date) => string } | { text: string };

const pad = (v: number, w: number) => String(v).padStart(w, "0");

/** The Java (SimpleDateFormat) letters Flink's DATE_FORMAT patterns use most. */
const FIELDS: Record<string, (d: Date, width: number) => string> = {
  y: (d, w) => (w === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), w)),
  M: (d, w) => pad(d.getUTCMonth() + 1, w),
  d: (d, w) => pad(d.getUTCDate(), w),
  H: (d, w) => pad(d.getUTCHours(), w),
  m: (d, w) => pad(d.getUTCMinutes(), w),
  s: (d, w) => pad(d.getUTCSeconds(), w),
  S: (d, w) => pad(d.getUTCMilliseconds(), 3).slice(0, w),
};

/**
 * A DATE_FORMAT pattern as pieces, or the letter it does not support. Letters are Java's
 * (yyyy, MM, dd, HH, mm, ss, SSS); text in single quotes and non-letters are copied.
 */
export function compileDateFormat(pattern: string): FormatPiece[] | { unsupported: string } {
  const pieces: FormatPiece[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const stop = end < 0 ? pattern.length : end;
      pieces.push({ text: stop === i + 1 ? "'" : pattern.slice(i + 1, stop) });
      i = stop + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      pieces.push({ text: c });
      i++;
      continue;
    }
    let j = i;
    while (pattern[j] === c) j++;
    const f = FIELDS[c];
    if (!f) return { unsupported: c };
    const width = j - i;
    pieces.push({ field: (d) => f(d, width) });
    i = j;
  }
  return pieces;
}

/** DATE_FORMAT(ts, pattern) for a compiled pattern; null timestamps give null. */
export function dateFormat(ts: Operand, pieces: FormatPiece[], n: number): StrVec {
  const t = nums(ts, n);
  return mapRows(n, t.valid, (i) => {
    const d = new Date(t.values[i]);
    return pieces.map((p) => ("text" in p ? p.text : p.field(d))).join("");
  });
}

/** REGEXP_EXTRACT(s, regex, group): the group of the first match; null without a match or group. */
export function regexpExtract(s: Operand, re: RegExp, group: number, n: number): StrVec {
  const v = strs(s, n);
  return mapRows(n, v.valid, (i) => {
    const m = re.exec(textAt(v, i));
    return m && group < m.length && m[group] !== undefined ? m[group] : null;
  });
}

/** SPLIT_INDEX(s, sep, index): the index-th (from 0) piece of s split at sep; null if none. */
export function splitIndex(s: Operand, sep: string, index: number, n: number): StrVec {
  const v = strs(s, n);
  return mapRows(n, v.valid, (i) => {
    const parts = textAt(v, i).split(sep);
    return index < parts.length ? parts[index] : null;
  });
}

/** COUNT_CHAR(s, c): how many times c occurs in s (the Nexmark suite's UDF, q14). */
export function countChar(s: Operand, c: string, n: number): NumVec {
  const v = strs(s, n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) if (!v.valid || v.valid[i]) values[i] = textAt(v, i).split(c).length - 1;
  return { kind: "num", length: n, values, valid: v.valid };
}

const decoder = new TextDecoder();

function textAt(v: StrVec, i: number): string {
  return decoder.decode(v.bytes.subarray(v.offsets[i], v.offsets[i + 1]));
}

/** A utf8 column of f(i) for valid rows; f returning null makes the row null. */
function mapRows(n: number, valid: Uint8Array | null, f: (i: number) => string | null): StrVec {
  const chunks: Uint8Array[] = [];
  const offsets = new Int32Array(n + 1);
  const rowValid = new Uint8Array(n);
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const text = valid && !valid[i] ? null : f(i);
    if (text === null) nulls++;
    else {
      const b = textEncoder.encode(text);
      chunks.push(b);
      total += b.length;
      rowValid[i] = 1;
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const b of chunks) {
    bytes.set(b, at);
    at += b.length;
  }
  return { kind: "str", length: n, offsets, bytes, valid: nulls === 0 ? null : rowValid };
}
