import type { RecordBatch, Schema } from "apache-arrow";
import { makeBatch } from "../types/column.js";
import { type BadMessage, type BadReason, BadValue, type DecodeResult, eachValue } from "./format.js";
import { type ValueBuilder, valueBuilder } from "./value-builders.js";

/**
 * Collects decoded rows (one JS object per message) into the columns of a schema. A row with a
 * problem is rolled back whole and its problem returned; the rows before and after it stay.
 */
export class RowFiller {
  private readonly builders: ValueBuilder[];
  private readonly names: string[];
  private readonly nullable: boolean[];
  rows = 0;

  constructor(private readonly schema: Schema) {
    this.builders = schema.fields.map((f) => valueBuilder(f));
    this.names = schema.fields.map((f) => f.name);
    this.nullable = schema.fields.map((f) => f.nullable);
  }

  /** Adds one row; returns null, or why the row was refused. */
  add(row: Record<string, unknown>): { reason: BadReason; detail: string } | null {
    const b = this.builders;
    let c = 0;
    try {
      for (; c < b.length; c++) {
        const v = row[this.names[c]];
        if (v === undefined || v === null) {
          if (!this.nullable[c]) {
            throw new BadValue(
              "missing-field",
              v === undefined
                ? `field "${this.names[c]}" is missing and is not nullable`
                : `field "${this.names[c]}" is null and is not nullable`,
            );
          }
          b[c].appendNull();
        } else {
          b[c].append(v);
        }
      }
    } catch (err) {
      for (let i = 0; i < c; i++) b[i].truncate(this.rows);
      if (err instanceof BadValue) return { reason: err.reason, detail: err.message };
      throw err;
    }
    this.rows++;
    return null;
  }

  finish(): RecordBatch {
    return makeBatch(
      this.schema,
      this.builders.map((b) => b.finish()),
      this.rows,
    );
  }
}

/**
 * The decode loop of the formats with one row per message (json, avro): `parse` returns the
 * message's row, a string saying why the message is malformed, or another problem (a BadValue).
 */
export function decodeRows(
  schema: Schema,
  messages: ReadonlyArray<Uint8Array | null>,
  parse: (m: Uint8Array) => Record<string, unknown> | string | BadValue,
): DecodeResult {
  const filler = new RowFiller(schema);
  const bad: BadMessage[] = [];
  eachValue(messages, bad, (m, index) => {
    const row = parse(m);
    const problem =
      typeof row === "string"
        ? { reason: "malformed" as const, detail: row }
        : row instanceof BadValue
          ? { reason: row.reason, detail: row.message }
          : filler.add(row);
    if (problem) bad.push({ index, ...problem });
  });
  return { batches: filler.rows > 0 ? [filler.finish()] : [], bad };
}
