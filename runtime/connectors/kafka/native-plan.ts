import { type Data, DataType, type Field, makeData, type RecordBatch, type Schema } from "apache-arrow";
import { makeBatch } from "../../types/column.js";
import { type DecodePlan, type NativeColType, type NativeColumn, NativeColType as T } from "./native-addon.js";

/** The native decoder's type of a column, or null when it has none (the source then stays on the TS path). */
function nativeType(f: Field): NativeColType | null {
  const t = f.type;
  if (DataType.isDictionary(t)) return null;
  if (DataType.isUtf8(t)) return T.Utf8;
  if (DataType.isBool(t)) return T.Bool;
  if (DataType.isFloat(t)) return T.Float64;
  if (DataType.isTimestamp(t)) return T.TimestampMs;
  if (DataType.isInt(t)) return t.bitWidth === 64 ? T.Int64 : T.Int32;
  return null;
}

/** The native decode plan of a schema, or why the native decoder cannot fill it. */
export function decodePlan(schema: Schema): DecodePlan | string {
  const plan: DecodePlan = { names: [], types: [], nullable: [], inherited: [] };
  for (const f of schema.fields) {
    const t = nativeType(f);
    if (t === null) return `column "${f.name}" is ${String(f.type)}, which the native decoder does not fill`;
    plan.names.push(f.name);
    plan.types.push(t);
    plan.nullable.push(f.nullable);
    plan.inherited.push(f.name in Object.prototype);
  }
  return plan;
}

function validity(c: NativeColumn): { nullBitmap?: Uint8Array; nullCount: number } {
  return c.validity && c.nullCount > 0
    ? { nullBitmap: new Uint8Array(c.validity), nullCount: c.nullCount }
    : { nullCount: 0 };
}

/** One column's Data over the addon's buffers (no copy). */
function columnData(f: Field, t: NativeColType, c: NativeColumn, n: number): Data {
  const v = validity(c);
  switch (t) {
    case T.Utf8:
      return makeData({
        type: f.type,
        length: n,
        valueOffsets: new Int32Array(c.offsets!),
        data: new Uint8Array(c.values),
        ...v,
      });
    case T.Int32:
      return makeData({ type: f.type, length: n, data: new Int32Array(c.values), ...v });
    case T.Float64:
      return makeData({ type: f.type, length: n, data: new Float64Array(c.values), ...v });
    case T.Bool:
      return makeData({ type: f.type, length: n, data: new Uint8Array(c.values), ...v });
    default:
      return makeData({ type: f.type, length: n, data: new BigInt64Array(c.values), ...v });
  }
}

/** A record batch of the schema over the native decoder's column buffers. */
export function nativeBatch(schema: Schema, plan: DecodePlan, columns: NativeColumn[], rows: number): RecordBatch {
  return makeBatch(
    schema,
    schema.fields.map((f, i) => columnData(f, plan.types[i], columns[i], rows)),
    rows,
  );
}
