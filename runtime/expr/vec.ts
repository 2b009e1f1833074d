import { type Data, DataType, type Dictionary, makeData, makeVector, type Vector } from "apache-arrow";
import type { FieldType } from "../contract/spec/schema.js";
import { boolData, float64Data, int32Data, int64Data, timestampData, utf8DataFromBytes } from "../types/builders.js";
import { textEncoder, toFloat64, validityBytes } from "../types/column.js";

/**
 * The evaluator's working form of a column: whole-column typed arrays, one byte per row for
 * validity (null = every row valid). All numbers are float64 (int64 values are exact to 2^53);
 * the SQL type that says how to write them back travels with the compiled node, not the vector.
 */
export interface NumVec {
  kind: "num";
  length: number;
  values: Float64Array;
  valid: Uint8Array | null;
}
export interface BoolVec {
  kind: "bool";
  length: number;
  values: Uint8Array;
  valid: Uint8Array | null;
}
/** utf8: row i is bytes[offsets[i], offsets[i+1]). */
export interface StrVec {
  kind: "str";
  length: number;
  offsets: Int32Array;
  bytes: Uint8Array;
  valid: Uint8Array | null;
}
/** Dictionary-encoded utf8: `source` identifies the dictionary so results per entry can be cached. */
export interface DictVec {
  kind: "dict";
  length: number;
  keys: Int32Array;
  dict: StrVec;
  source: object;
  valid: Uint8Array | null;
}
export type Vec = NumVec | BoolVec | StrVec | DictVec;

/** A constant (literal or folded subexpression); `bytes` is the UTF-8 of a string value. */
export interface Scalar {
  kind: "scalar";
  value: number | string | boolean | null;
  bytes: Uint8Array | null;
}
export type Operand = Vec | Scalar;

export function scalar(value: number | string | boolean | null): Scalar {
  return { kind: "scalar", value, bytes: typeof value === "string" ? textEncoder.encode(value) : null };
}

/** Reads an Arrow column without copying where the layout allows (float64, utf8, dictionary keys). */
export function readColumn(col: Data): Vec {
  const n = col.length;
  const valid = validityBytes(col);
  const t = col.type;
  if (DataType.isUtf8(t)) {
    const offsets = (col.valueOffsets as Int32Array).subarray(0, n + 1);
    return { kind: "str", length: n, offsets, bytes: col.values as Uint8Array, valid };
  }
  if (DataType.isDictionary(t)) {
    const dictData = col.dictionary!.data[0];
    const dict = readColumn(dictData) as StrVec;
    return { kind: "dict", length: n, keys: (col.values as Int32Array).subarray(0, n), dict, source: dictData, valid };
  }
  if (DataType.isBool(t)) {
    const bits = col.values as Uint8Array;
    const values = new Uint8Array(n);
    for (let i = 0, j = col.offset; i < n; i++, j++) values[i] = (bits[j >> 3] >> (j & 7)) & 1;
    return { kind: "bool", length: n, values, valid };
  }
  if (col.values instanceof Float64Array) return { kind: "num", length: n, values: col.values.subarray(0, n), valid };
  return { kind: "num", length: n, values: toFloat64(col), valid };
}

const dictVectors = new WeakMap<StrVec, Vector>();

/** Writes a vector back as an Arrow column of the given SQL type (and Arrow type, for dictionaries). */
export function toData(v: Vec, type: FieldType, arrowType: DataType): Data {
  switch (v.kind) {
    case "num":
      if (type === "float64") return float64Data(v.values, v.valid);
      if (type === "int32") return int32Data(Int32Array.from(v.values), v.valid);
      if (type === "timestamp[ms]") return timestampData(v.values, v.valid);
      return int64Data(v.values, v.valid);
    case "bool":
      return boolData(v.values, v.valid);
    case "str":
      return utf8DataFromBytes(v.offsets, v.bytes, v.valid);
    case "dict": {
      if (!DataType.isDictionary(arrowType)) return toData(plain(v), type, arrowType);
      // One Vector per dictionary, so consecutive batches share it and can be concatenated.
      let dictionary = dictVectors.get(v.dict);
      if (!dictionary) {
        dictionary = makeVector(utf8DataFromBytes(v.dict.offsets, v.dict.bytes, v.dict.valid));
        dictVectors.set(v.dict, dictionary);
      }
      const { nullBitmap, nullCount } = bitmapOf(v.valid, v.length);
      return makeData({
        type: arrowType as Dictionary,
        length: v.length,
        data: v.keys,
        dictionary,
        nullBitmap,
        nullCount,
      });
    }
  }
}

function bitmapOf(valid: Uint8Array | null, n: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!valid) return { nullCount: 0 };
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { nullCount: 0 } : { nullBitmap: bitmap, nullCount: nulls };
}

/** Decodes a dictionary vector into plain utf8 (copying each row's bytes). */
export function plain(v: StrVec | DictVec): StrVec {
  if (v.kind === "str") return v;
  const n = v.length;
  const { offsets: dOff, bytes: dBytes } = v.dict;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const k = v.keys[i];
    if (!v.valid || v.valid[i]) total += dOff[k + 1] - dOff[k];
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] === offsets[i]) continue;
    const k = v.keys[i];
    bytes.set(dBytes.subarray(dOff[k], dOff[k + 1]), offsets[i]);
  }
  return { kind: "str", length: n, offsets, bytes, valid: v.valid };
}

/** Repeats a constant n times, for the kernels that have no constant fast path. */
export function broadcast(s: Scalar, kind: "num" | "bool" | "str", n: number): Vec {
  const valid = s.value === null ? new Uint8Array(n) : null;
  if (kind === "num") return { kind, length: n, values: new Float64Array(n).fill(Number(s.value ?? 0)), valid };
  if (kind === "bool") return { kind, length: n, values: new Uint8Array(n).fill(s.value === true ? 1 : 0), valid };
  const b = s.bytes ?? new Uint8Array(0);
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(b.length * n);
  for (let i = 0; i < n; i++) {
    bytes.set(b, i * b.length);
    offsets[i + 1] = (i + 1) * b.length;
  }
  return { kind, length: n, offsets, bytes, valid };
}

/** Row i of a vector as a constant (constant folding evaluates on one row). */
export function scalarAt(v: Vec, i: number): Scalar {
  if (v.valid && !v.valid[i]) return scalar(null);
  switch (v.kind) {
    case "num":
      return scalar(v.values[i]);
    case "bool":
      return scalar(v.values[i] === 1);
    case "str":
      return scalar(new TextDecoder().decode(v.bytes.subarray(v.offsets[i], v.offsets[i + 1])));
    case "dict":
      return scalarAt(v.dict, v.keys[i]);
  }
}

/** Validity of a row-wise combination: valid where every input is (null = all valid). */
export function andValid(a: Uint8Array | null, b: Uint8Array | null, n: number): Uint8Array | null {
  if (!a) return b;
  if (!b) return a;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] & b[i];
  return out;
}

export function validOf(o: Operand): Uint8Array | null {
  return o.kind === "scalar" ? null : o.valid;
}
