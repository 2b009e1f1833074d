import { isUtf8 } from "node:buffer";
import { type Data, DataType, type RecordBatch, type Schema } from "apache-arrow";
import { columnsOf, isValid } from "../types/column.js";
import { asBuffer, type DecodeResult, type Decoder, type Encoder, messageText } from "./format.js";
import { decodeRows } from "./row-filler.js";

/**
 * `json`: one JSON object per message, keyed by column name. Fields not in the schema are ignored;
 * a missing nullable field is null. int64 values beyond ±2^53 are written as decimal strings (JSON
 * numbers would lose digits) and accepted either way; timestamps are epoch milliseconds (decode
 * also accepts ISO-8601 strings); NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity".
 */
function jsonRow(m: Uint8Array): Record<string, unknown> | string {
  // Invalid UTF-8 would decode to U+FFFD and parse: wrong strings, silently. simdutf checks it fast.
  if (!isUtf8(m)) return "not valid UTF-8";
  let row: unknown;
  try {
    row = JSON.parse(messageText(m));
  } catch (err) {
    return `not valid JSON: ${(err as Error).message}`;
  }
  if (typeof row !== "object" || row === null || Array.isArray(row))
    return "message is valid JSON but not a JSON object";
  return row as Record<string, unknown>;
}

export class JsonDecoder implements Decoder {
  readonly format = "json" as const;
  constructor(readonly schema: Schema) {}

  decode(messages: ReadonlyArray<Uint8Array | null>): DecodeResult {
    return decodeRows(this.schema, messages, jsonRow);
  }
}

const TWO_32 = 4294967296;

/** A function giving the JSON text of row i of a column (its value part, e.g. `12`, `"abc"`, `null`). */
type ValueText = (i: number) => string;

function valueText(col: Data): ValueText {
  const t = col.type;
  // arrow-js slices value and offset buffers with the column; `offset` applies to bit buffers only.
  const off = col.offset;
  const nullable = col.nullCount > 0;
  let text: ValueText;
  if (DataType.isDictionary(t)) {
    // Each dictionary entry is escaped once per batch, not once per row.
    const dict = col.dictionary!.data[0];
    const entries = valueText(dict);
    const cache: (string | undefined)[] = new Array(dict.length);
    const keys = col.values as Int32Array;
    text = (i) => (cache[keys[i]] ??= entries(keys[i]));
  } else if (DataType.isUtf8(t)) {
    const bytes = asBuffer(col.values as Uint8Array);
    const o = col.valueOffsets as Int32Array;
    text = (i) => JSON.stringify(bytes.toString("utf8", o[i], o[i + 1]));
  } else if (DataType.isBool(t)) {
    const b = col.values as Uint8Array;
    text = (i) => (((b[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 1 ? "true" : "false");
  } else if (col.values instanceof BigInt64Array) {
    const values = col.values;
    const v32 = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    text = (i) => {
      const x = v32[2 * i + 1] * TWO_32 + (v32[2 * i] >>> 0);
      return Number.isSafeInteger(x) ? String(x) : `"${values[i]}"`;
    };
  } else if (col.values instanceof Float64Array) {
    const v = col.values;
    text = (i) => {
      const x = v[i];
      return Number.isFinite(x) ? String(x) : `"${x}"`;
    };
  } else {
    const v = col.values as Int32Array;
    text = (i) => String(v[i]);
  }
  return nullable ? (i) => (isValid(col, i) ? text(i) : "null") : text;
}

export class JsonEncoder implements Encoder {
  readonly format = "json" as const;
  private readonly prefixes: string[];
  constructor(readonly schema: Schema) {
    this.prefixes = schema.fields.map((f, c) => `${c === 0 ? "{" : ","}${JSON.stringify(f.name)}:`);
  }

  encode(batch: RecordBatch): Buffer[] {
    const cols = columnsOf(batch).map(valueText);
    const prefixes = this.prefixes;
    const n = batch.numRows;
    const out: Buffer[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let s = "";
      for (let c = 0; c < cols.length; c++) s += prefixes[c] + cols[c](i);
      out[i] = Buffer.from(cols.length === 0 ? "{}" : `${s}}`, "utf8");
    }
    return out;
  }
}
