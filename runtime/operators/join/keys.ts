import { type Data, DataType, type Field, Int32, Int64, makeData } from "apache-arrow";
import { JoinConfigError } from "./errors.js";

/**
 * Join keys of two sides whose types differ in encoding but not in meaning: int32 / int64 /
 * timestamp[ms] compare by integer value, utf8 and dictionary-encoded utf8 compare by string.
 * Hashes must agree for equal values, so integer keys are brought to one width before hashing
 * (dictionary and plain strings already hash alike, see runtime/kernels/hash.ts).
 */

export type KeyFamily = "int" | "float" | "bool" | "string";

export function keyFamily(t: DataType): KeyFamily | null {
  if (DataType.isDictionary(t) || DataType.isUtf8(t)) return "string";
  if (DataType.isInt(t) || DataType.isTimestamp(t)) return "int";
  if (DataType.isFloat(t)) return "float";
  if (DataType.isBool(t)) return "bool";
  return null;
}

function is64(t: DataType): boolean {
  return DataType.isTimestamp(t) || (DataType.isInt(t) && t.bitWidth === 64);
}

/** Looks up key columns by name; throws a message listing the columns that exist. */
export function keyFields(op: string, side: string, fields: Field[], names: string[]): number[] {
  return names.map((k) => {
    const i = fields.findIndex((f) => f.name === k);
    if (i < 0)
      throw new JoinConfigError(op, `${side} has no column "${k}" (columns: ${fields.map((f) => f.name).join(", ")})`);
    return i;
  });
}

/** Throws unless every key column pair can be compared. */
export function checkKeyTypes(op: string, left: Field[], right: Field[]): void {
  if (left.length !== right.length)
    throw new JoinConfigError(
      op,
      `the two key lists differ in length (${left.length} vs ${right.length}): pair every left key with one right key`,
    );
  for (let i = 0; i < left.length; i++) {
    const a = keyFamily(left[i].type);
    const b = keyFamily(right[i].type);
    if (a === null || a !== b)
      throw new JoinConfigError(
        op,
        `key "${left[i].name}" (${String(left[i].type)}) cannot be compared with "${right[i].name}" (${String(right[i].type)}): ` +
          "join keys must both be integers (int32/int64/timestamp), both strings, both float64 or both bool",
      );
  }
}

/** Target integer width for hashing each key column: 64 when either side is 64-bit, else null (as is). */
export function hashWidths(left: Field[], right: Field[]): (32 | 64 | null)[] {
  return left.map((l, i) => {
    if (keyFamily(l.type) !== "int") return null;
    return is64(l.type) || is64(right[i].type) ? 64 : 32;
  });
}

/** The integer width of each key column as declared (for hashing the other side like this one). */
export function declaredWidths(fields: Field[]): (32 | 64 | null)[] {
  return fields.map((f) => (keyFamily(f.type) !== "int" ? null : is64(f.type) ? 64 : 32));
}

/** Key columns converted to the integer widths in `widths` (int32 widened, int64 truncated), for hashing. */
export function hashColumns(cols: Data[], widths: (32 | 64 | null)[]): Data[] {
  return cols.map((c, i) => {
    const w = widths[i];
    if (w === null) return c;
    const wide = is64(c.type);
    if (w === 64 && !wide) return widen(c);
    if (w === 32 && wide) return narrow(c);
    return c;
  });
}

function widen(c: Data): Data {
  const n = c.length;
  const src = c.values as Int32Array;
  const out = new BigInt64Array(n);
  const o = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    o[2 * i] = v;
    o[2 * i + 1] = v >> 31;
  }
  return makeData({ type: new Int64(), length: n, data: out, nullBitmap: c.nullBitmap, nullCount: c.nullCount });
}

/** Low 32 bits: values outside int32 hash like some int32, but never compare equal (keyEquals). */
function narrow(c: Data): Data {
  const n = c.length;
  const v = c.values as BigInt64Array;
  const s = new Int32Array(v.buffer, v.byteOffset, n * 2);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = s[2 * i];
  return makeData({ type: new Int32(), length: n, data: out, nullBitmap: c.nullBitmap, nullCount: c.nullCount });
}

/** Whether row i of `a` equals row j of `b` (non-null rows; columns starting at row 0). */
export type RowEquals = (i: number, j: number) => boolean;

/** Equality of key rows across two column lists of compatible types (checkKeyTypes). */
export function keyEquals(a: Data[], b: Data[]): RowEquals {
  const parts = a.map((col, k) => columnEquals(col, b[k]));
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) {
    const [p, q] = parts;
    return (i, j) => p(i, j) && q(i, j);
  }
  return (i, j) => {
    for (const p of parts) if (!p(i, j)) return false;
    return true;
  };
}

function columnEquals(a: Data, b: Data): RowEquals {
  const family = keyFamily(a.type);
  if (family === "string") return stringEquals(a, b);
  if (family === "bool") {
    const x = a.values as Uint8Array;
    const y = b.values as Uint8Array;
    return (i, j) => ((x[i >> 3] >> (i & 7)) & 1) === ((y[j >> 3] >> (j & 7)) & 1);
  }
  if (family === "float") {
    const x = a.values as Float64Array;
    const y = b.values as Float64Array;
    return (i, j) => x[i] === y[j];
  }
  const aw = is64(a.type);
  const bw = is64(b.type);
  const x = aw ? halves(a.values as BigInt64Array) : (a.values as Int32Array);
  const y = bw ? halves(b.values as BigInt64Array) : (b.values as Int32Array);
  if (aw && bw) return (i, j) => x[2 * i] === y[2 * j] && x[2 * i + 1] === y[2 * j + 1];
  if (!aw && !bw) return (i, j) => x[i] === y[j];
  if (aw) return (i, j) => x[2 * i] === y[j] && x[2 * i + 1] === y[j] >> 31;
  return (i, j) => x[i] === y[2 * j] && x[i] >> 31 === y[2 * j + 1];
}

function halves(v: BigInt64Array): Int32Array {
  return new Int32Array(v.buffer, v.byteOffset, v.length * 2);
}

/** Byte ranges of a utf8 or dictionary column's rows: row i is bytes[off[ix(i)]..off[ix(i)+1]). */
interface Strings {
  bytes: Uint8Array;
  off: Int32Array;
  ix: Int32Array | null;
}

function strings(c: Data): Strings {
  if (DataType.isDictionary(c.type)) {
    const d = c.dictionary!.data[0];
    return { bytes: d.values as Uint8Array, off: d.valueOffsets as Int32Array, ix: c.values as Int32Array };
  }
  return { bytes: c.values as Uint8Array, off: c.valueOffsets as Int32Array, ix: null };
}

function stringEquals(a: Data, b: Data): RowEquals {
  const x = strings(a);
  const y = strings(b);
  const xb = x.bytes;
  const yb = y.bytes;
  const xo = x.off;
  const yo = y.off;
  const xi = x.ix;
  const yi = y.ix;
  return (i, j) => {
    const p = xi === null ? i : xi[i];
    const q = yi === null ? j : yi[j];
    let s = xo[p];
    const len = xo[p + 1] - s;
    let t = yo[q];
    if (yo[q + 1] - t !== len) return false;
    for (const end = s + len; s < end; s++, t++) if (xb[s] !== yb[t]) return false;
    return true;
  };
}
