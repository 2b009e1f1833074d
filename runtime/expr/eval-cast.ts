import type { FieldType } from "../contract/spec/schema.js";
import { textEncoder } from "../types/column.js";
import { isInteger, type SqlType } from "./types.js";
import { type BoolVec, broadcast, type NumVec, type Operand, plain, type StrVec, type Vec } from "./vec.js";

/**
 * CAST. Conversions that cannot succeed for a row (text that is not a number, a float outside
 * int32) give NULL rather than failing the stream. Float to integer truncates toward zero;
 * timestamps print as ISO 8601 in UTC and parse from ISO 8601 (no zone: UTC) or epoch millis.
 */
export function cast(a: Operand, from: SqlType, to: FieldType, n: number): Vec {
  const kind = to === "utf8" ? "str" : to === "bool" ? "bool" : "num";
  if (a.kind === "scalar") {
    if (a.value === null) return broadcast(a, kind, n);
    a = broadcast(a, from === "utf8" ? "str" : from === "bool" ? "bool" : "num", n);
  }
  if (from === to || from === "null") return a;
  if (a.kind === "str" || a.kind === "dict") return fromText(plain(a), to, n);
  if (to === "utf8") return a.kind === "bool" ? boolText(a, n) : numText(a as NumVec, from, n);
  if (a.kind === "bool") return { kind: "num", length: n, values: Float64Array.from(a.values), valid: a.valid };
  const x = (a as NumVec).values;
  if (to === "bool") {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0;
    return { kind: "bool", length: n, values: out, valid: a.valid };
  }
  if (to === "float64" || (isInteger(from) && to !== "int32") || (from === "timestamp[ms]" && to === "int64")) return a;
  // To an integer type from a wider one: truncate, NULL when out of range.
  const [lo, hi] = to === "int32" ? [-2147483648, 2147483647] : [-9007199254740991, 9007199254740991];
  const out = new Float64Array(n);
  let valid: Uint8Array | null = a.valid;
  for (let i = 0; i < n; i++) {
    const t = Math.trunc(x[i]);
    if (t >= lo && t <= hi) out[i] = t;
    else {
      valid = valid === a.valid ? (valid ? valid.slice() : new Uint8Array(n).fill(1)) : valid;
      valid![i] = 0;
    }
  }
  return { kind: "num", length: n, values: out, valid };
}

function fromText(s: StrVec, to: FieldType, n: number): Vec {
  const { offsets, bytes } = s;
  const valid = s.valid ? s.valid.slice() : new Uint8Array(n).fill(1);
  if (to === "bool") {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const b = parseBool(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
      if (b === null) valid[i] = 0;
      else out[i] = b ? 1 : 0;
    }
    return { kind: "bool", length: n, values: out, valid } satisfies BoolVec;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const v =
      to === "timestamp[ms]"
        ? parseTimestamp(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])))
        : to === "float64"
          ? parseFloatText(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])))
          : parseIntBytes(bytes, offsets[i], offsets[i + 1], to === "int32");
    if (v === null) valid[i] = 0;
    else out[i] = v;
  }
  return { kind: "num", length: n, values: out, valid };
}

const decoder = new TextDecoder();

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Integer text ("  -42 ") read straight from bytes; NULL for anything else or out of range. */
function parseIntBytes(b: Uint8Array, s: number, e: number, int32: boolean): number | null {
  while (s < e && isSpace(b[s])) s++;
  while (e > s && isSpace(b[e - 1])) e--;
  let sign = 1;
  if (s < e && (b[s] === 0x2d || b[s] === 0x2b)) sign = b[s++] === 0x2d ? -1 : 1;
  if (s === e) return null;
  let v = 0;
  for (; s < e; s++) {
    const d = b[s] - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  v *= sign;
  const limit = int32 ? 2147483647 : Number.MAX_SAFE_INTEGER;
  return v > limit || v < -limit - (int32 ? 1 : 0) ? null : v;
}

const FLOAT_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function parseFloatText(t: string): number | null {
  return FLOAT_TEXT.test(t) ? Number(t) : null;
}

function parseBool(t: string): boolean | null {
  switch (t.trim().toLowerCase()) {
    case "true":
    case "t":
    case "yes":
    case "y":
    case "on":
    case "1":
      return true;
    case "false":
    case "f":
    case "no":
    case "n":
    case "off":
    case "0":
      return false;
    default:
      return null;
  }
}

const TS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch ms of an ISO 8601 date-time (UTC unless it names an offset) or of integer millis. */
export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  const m = TS.exec(t);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0;
  let v = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
  const check = new Date(v);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return null; // 2024-02-30
  if (zone && zone.toUpperCase() !== "Z") {
    const z = zone.replace(":", "");
    const sign = z[0] === "-" ? -1 : 1;
    v -= sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60000;
  }
  return v;
}

function boolText(a: BoolVec, n: number): StrVec {
  const T = textEncoder.encode("true");
  const F = textEncoder.encode("false");
  return textColumn(n, a.valid, (i) => (a.values[i] ? T : F));
}

function numText(a: NumVec, from: SqlType, n: number): StrVec {
  const x = a.values;
  if (from === "timestamp[ms]") {
    return textColumn(n, a.valid, (i) => {
      const d = new Date(x[i]);
      return textEncoder.encode(Number.isNaN(d.getTime()) ? String(x[i]) : d.toISOString());
    });
  }
  if (isInteger(from)) return intText(a, n);
  return textColumn(n, a.valid, (i) => textEncoder.encode(String(x[i])));
}

/** Integers printed straight into the byte buffer: no string per row. */
function intText(a: NumVec, n: number): StrVec {
  const x = a.values;
  const offsets = new Int32Array(n + 1);
  let bytes = new Uint8Array(n * 8 + 16);
  const digits = new Uint8Array(24);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (!a.valid || a.valid[i]) {
      let v = x[i];
      if (pos + 24 > bytes.length) {
        const grown = new Uint8Array(bytes.length * 2);
        grown.set(bytes);
        bytes = grown;
      }
      if (v < 0) {
        bytes[pos++] = 0x2d;
        v = -v;
      }
      let k = 0;
      do {
        const q = Math.floor(v / 10);
        digits[k++] = 0x30 + (v - q * 10);
        v = q;
      } while (v > 0);
      while (k > 0) bytes[pos++] = digits[--k];
    }
    offsets[i + 1] = pos;
  }
  return { kind: "str", length: n, offsets, bytes: bytes.subarray(0, pos), valid: a.valid };
}

function textColumn(n: number, valid: Uint8Array | null, text: (i: number) => Uint8Array): StrVec {
  const parts: Uint8Array[] = new Array(n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    parts[i] = valid && !valid[i] ? EMPTY : text(i);
    total += parts[i].length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) bytes.set(parts[i], offsets[i]);
  return { kind: "str", length: n, offsets, bytes, valid };
}

const EMPTY = new Uint8Array(0);
