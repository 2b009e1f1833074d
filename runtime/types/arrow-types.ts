import {
  Bool,
  type DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  Schema,
  TimestampMillisecond,
  Utf8,
} from "apache-arrow";
import type { FieldSpec, FieldType } from "../contract/spec/schema.js";

/** The column types Sabot's kernels understand, as named in the StreamJob spec. */
export function arrowType(t: FieldType, dictionary = false): DataType {
  switch (t) {
    case "utf8":
      return dictionary ? new Dictionary(new Utf8(), new Int32()) : new Utf8();
    case "int32":
      return new Int32();
    case "int64":
      return new Int64();
    case "float64":
      return new Float64();
    case "bool":
      return new Bool();
    case "timestamp[ms]":
      return new TimestampMillisecond();
  }
}

/** The spec type name of an Arrow type (dictionary-encoded utf8 is utf8). */
export function specType(t: DataType): FieldType {
  if (Dictionary.isDictionary(t)) return specType((t as Dictionary).dictionary);
  if (Utf8.isUtf8(t)) return "utf8";
  if (Bool.isBool(t)) return "bool";
  if (TimestampMillisecond.isTimestamp(t)) return "timestamp[ms]";
  if (Float64.isFloat(t)) return "float64";
  if (Int64.isInt(t)) return (t as Int64).bitWidth === 64 ? "int64" : "int32";
  throw new Error(
    `unsupported Arrow type ${String(t)}: Sabot columns are ${["utf8", "int32", "int64", "float64", "bool", "timestamp[ms]"].join(", ")}`,
  );
}

export function arrowField(f: FieldSpec): Field {
  return new Field(f.name, arrowType(f.type, f.dictionary ?? false), f.nullable ?? true);
}

export function arrowSchema(fields: FieldSpec[]): Schema {
  return new Schema(fields.map(arrowField));
}
