import {
  type Data,
  DataType,
  type Field,
  makeData,
  makeVector,
  type RecordBatch,
  type Schema,
  Utf8,
} from "apache-arrow";
import { takeData } from "../kernels/take.js";
import { specType } from "../types/arrow-types.js";
import { utf8Data } from "../types/builders.js";
import { columnsOf, makeBatch, stringAt } from "../types/column.js";
import { BadValue } from "./format.js";

/**
 * Fits a batch that arrived with its own schema (an Arrow IPC message) to the schema the source
 * declares: columns are matched by name (extra ones dropped), a missing nullable column becomes
 * nulls, and plain and dictionary-encoded utf8 are converted into each other. Anything else that
 * differs is a bad message: Sabot does not guess casts.
 */
export function conformBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  const cols = columnsOf(batch);
  const byName = new Map(batch.schema.fields.map((f, i) => [f.name, i]));
  const n = batch.numRows;
  const out = schema.fields.map((f) => {
    const i = byName.get(f.name);
    if (i === undefined) {
      if (!f.nullable) throw new BadValue("missing-field", `column "${f.name}" is missing and is not nullable`);
      return nullColumn(f, n);
    }
    const col = cols[i];
    if (col.nullCount > 0 && !f.nullable)
      throw new BadValue("missing-field", `column "${f.name}" has nulls and is not nullable`);
    return conformColumn(col, f);
  });
  return makeBatch(schema, out, n);
}

function conformColumn(col: Data, f: Field): Data {
  const want = f.type;
  const have = col.type;
  if (DataType.isDictionary(want)) {
    if (DataType.isDictionary(have) && DataType.isUtf8(have.dictionary)) {
      // Same keys and dictionary, under the declared type (its dictionary id).
      return makeData({
        type: want,
        offset: col.offset,
        length: col.length,
        data: col.values as Int32Array,
        dictionary: col.dictionary,
        nullBitmap: col.nullBitmap,
        nullCount: col.nullCount,
      });
    }
    if (DataType.isUtf8(have)) return dictionaryEncode(col, f);
  } else if (DataType.isUtf8(want) && DataType.isDictionary(have) && DataType.isUtf8(have.dictionary)) {
    return dictionaryDecode(col);
  } else if (sameType(want, have)) {
    return col;
  }
  throw new BadValue("schema-mismatch", `column "${f.name}" is ${String(have)}, expected ${String(want)}`);
}

function sameType(a: DataType, b: DataType): boolean {
  try {
    return specType(a) === specType(b) && !DataType.isDictionary(b);
  } catch {
    return false;
  }
}

function dictionaryDecode(col: Data): Data {
  const dict = col.dictionary!.data[0];
  const keys = col.values as Int32Array;
  const idx = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) idx[i] = keys[i];
  const plain = takeData(dict, idx);
  if (col.nullCount === 0) return plain;
  return makeData({
    type: new Utf8(),
    length: col.length,
    valueOffsets: plain.valueOffsets,
    data: plain.values,
    nullBitmap: copyBitmap(col),
    nullCount: col.nullCount,
  });
}

function dictionaryEncode(col: Data, f: Field): Data {
  const ids = new Map<string, number>();
  const keys = new Int32Array(col.length);
  const entries: string[] = [];
  for (let i = 0; i < col.length; i++) {
    const s = stringAt(col, i);
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = entries.push(s) - 1));
    keys[i] = id;
  }
  return makeData({
    type: f.type,
    length: col.length,
    data: keys,
    dictionary: makeVector(utf8Data(entries)),
    ...(col.nullCount > 0 ? { nullBitmap: copyBitmap(col), nullCount: col.nullCount } : { nullCount: 0 }),
  });
}

/** The column's validity bitmap re-based to offset 0. */
function copyBitmap(col: Data): Uint8Array {
  const out = new Uint8Array(((col.length + 63) >> 6) << 3);
  const bm = col.nullBitmap!;
  for (let i = 0, j = col.offset; i < col.length; i++, j++)
    if ((bm[j >> 3] >> (j & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
  return out;
}

/** A column of n nulls of the field's type. */
export function nullColumn(f: Field, n: number): Data {
  const t = f.type;
  const nullBitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const base = { type: t, length: n, nullBitmap, nullCount: n };
  if (DataType.isDictionary(t))
    return makeData({ ...base, data: new Int32Array(n), dictionary: makeVector(utf8Data([])) } as never);
  if (DataType.isUtf8(t))
    return makeData({ ...base, valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) } as never);
  if (DataType.isBool(t)) return makeData({ ...base, data: new Uint8Array(nullBitmap.length) } as never);
  if (DataType.isFloat(t)) return makeData({ ...base, data: new Float64Array(n) } as never);
  if (DataType.isTimestamp(t) || (DataType.isInt(t) && t.bitWidth === 64))
    return makeData({ ...base, data: new BigInt64Array(n) } as never);
  return makeData({ ...base, data: new Int32Array(n) } as never);
}
