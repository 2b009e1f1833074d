import { textEncoder } from "../types/column.js";
import { andValid, broadcast, type NumVec, type Operand, type StrVec } from "./vec.js";

/**
 * String functions on UTF-8 bytes. Lengths and positions count characters (code points), as SQL
 * does. LOWER/UPPER map ASCII rows byte by byte and decode only rows with other characters,
 * whose case rules (ß → SS) need the full Unicode tables.
 */

/** Appends bytes to a growing buffer; builds one utf8 column. */
class Utf8Builder {
  bytes: Uint8Array;
  offsets: Int32Array;
  pos = 0;
  constructor(
    readonly n: number,
    capacity: number,
  ) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
    this.offsets = new Int32Array(n + 1);
  }
  reserve(k: number): void {
    if (this.pos + k <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + k));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
  }
  append(src: Uint8Array, s: number, e: number): void {
    this.reserve(e - s);
    this.bytes.set(src.subarray(s, e), this.pos);
    this.pos += e - s;
  }
  endRow(i: number): void {
    this.offsets[i + 1] = this.pos;
  }
  finish(valid: Uint8Array | null): StrVec {
    return { kind: "str", length: this.n, offsets: this.offsets, bytes: this.bytes.subarray(0, this.pos), valid };
  }
}

function strs(o: Operand, n: number): StrVec {
  return o.kind === "scalar" ? (broadcast(o, "str", n) as StrVec) : (o as StrVec);
}

const decoder = new TextDecoder();

export function changeCase(a: Operand, upper: boolean, n: number): StrVec {
  const s = strs(a, n);
  const { offsets, bytes } = s;
  const b = new Utf8Builder(n, offsets[n] - offsets[0]);
  const [from, to, delta] = upper ? [0x61, 0x7a, -32] : [0x41, 0x5a, 32];
  for (let i = 0; i < n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    let ascii = true;
    for (let j = start; j < end; j++) if (bytes[j] >= 0x80) ascii = false;
    if (ascii) {
      b.reserve(end - start);
      const out = b.bytes;
      for (let j = start, k = b.pos; j < end; j++, k++) {
        const c = bytes[j];
        out[k] = c >= from && c <= to ? c + delta : c;
      }
      b.pos += end - start;
    } else {
      const text = decoder.decode(bytes.subarray(start, end));
      const enc = textEncoder.encode(upper ? text.toUpperCase() : text.toLowerCase());
      b.append(enc, 0, enc.length);
    }
    b.endRow(i);
  }
  return b.finish(s.valid);
}

/** Characters per row (UTF-8 continuation bytes do not start a character). */
export function charLength(a: Operand, n: number): NumVec {
  const s = strs(a, n);
  const { offsets, bytes } = s;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = offsets[i], e = offsets[i + 1]; j < e; j++) if ((bytes[j] & 0xc0) !== 0x80) c++;
    out[i] = c;
  }
  return { kind: "num", length: n, values: out, valid: s.valid };
}

function seqLength(x: number): number {
  return x < 0x80 ? 1 : x < 0xe0 ? 2 : x < 0xf0 ? 3 : 4;
}

/** SUBSTRING(s, start [, length]): 1-based; positions before 1 count but yield nothing; length < 0 is NULL. */
export function substring(a: Operand, start: Operand, length: Operand | null, n: number): StrVec {
  const s = strs(a, n);
  const starts = nums(start, n);
  const lens = length ? nums(length, n) : null;
  let valid = andValid(andValid(s.valid, starts.valid, n), lens ? lens.valid : null, n);
  let negative: Uint8Array | null = null;
  const { offsets, bytes } = s;
  const b = new Utf8Builder(n, offsets[n] - offsets[0]);
  for (let i = 0; i < n; i++) {
    const first = starts.values[i];
    const count = lens ? lens.values[i] : Infinity;
    if (count < 0) {
      negative ??= valid ? valid.slice() : new Uint8Array(n).fill(1);
      negative[i] = 0;
    }
    const from = Math.max(first, 1);
    const to = first + count; // exclusive, in characters
    const end = offsets[i + 1];
    let j = offsets[i];
    let pos = 1;
    while (pos < from && j < end) {
      j += seqLength(bytes[j]);
      pos++;
    }
    let k = j;
    while (pos < to && k < end) {
      k += seqLength(bytes[k]);
      pos++;
    }
    if (k > j) b.append(bytes, j, Math.min(k, end));
    b.endRow(i);
  }
  if (negative) valid = negative;
  return b.finish(valid);
}

function nums(o: Operand, n: number): NumVec {
  return o.kind === "scalar" ? (broadcast(o, "num", n) as NumVec) : (o as NumVec);
}

/**
 * Concatenation. `||` (skipNulls = false) is NULL when any side is; CONCAT() skips NULLs
 * (PostgreSQL and MySQL 8 differ here; we follow PostgreSQL).
 */
export function concat(args: Operand[], skipNulls: boolean, n: number): StrVec {
  let capacity = 0;
  for (const a of args) capacity += a.kind === "scalar" ? (a.bytes?.length ?? 0) * n : (a as StrVec).bytes.length;
  const b = new Utf8Builder(n, capacity);
  let valid: Uint8Array | null = null;
  if (!skipNulls)
    for (const a of args)
      valid = andValid(valid, a.kind === "scalar" ? (a.value === null ? new Uint8Array(n) : null) : a.valid, n);
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) {
      b.endRow(i);
      continue;
    }
    for (const a of args) {
      if (a.kind === "scalar") {
        if (a.bytes) b.append(a.bytes, 0, a.bytes.length);
      } else if (!a.valid || a.valid[i]) {
        const v = a as StrVec;
        b.append(v.bytes, v.offsets[i], v.offsets[i + 1]);
      }
    }
    b.endRow(i);
  }
  return b.finish(valid);
}

/** TRIM / LTRIM / RTRIM of ASCII characters (default: space). */
export function trim(a: Operand, chars: Uint8Array, leading: boolean, trailing: boolean, n: number): StrVec {
  const s = strs(a, n);
  const strip = new Uint8Array(128);
  for (const c of chars) strip[c] = 1;
  const { offsets, bytes } = s;
  const b = new Utf8Builder(n, offsets[n] - offsets[0]);
  for (let i = 0; i < n; i++) {
    let j = offsets[i];
    let e = offsets[i + 1];
    if (leading) while (j < e && bytes[j] < 0x80 && strip[bytes[j]]) j++;
    if (trailing) while (e > j && bytes[e - 1] < 0x80 && strip[bytes[e - 1]]) e--;
    b.append(bytes, j, e);
    b.endRow(i);
  }
  return b.finish(s.valid);
}
