import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, DuckDBTimestampValue } from "@duckdb/node-api";
import { DataType, type Field, type RecordBatch } from "apache-arrow";
import { batchRows, type Row } from "./collecting-sink.js";

/**
 * DuckDB as an independent reference engine for result tests: the same generated batches Sabot
 * reads are loaded into an in-memory DuckDB table, and the reference query's answer comes back as
 * rows shaped like Sabot's (int64 and timestamps as numbers: epoch milliseconds for times).
 *
 * Rows go in through DuckDB's appender: its Arrow scan is an extension downloaded at run time,
 * which tests must not depend on. One thread keeps the machine's cores for the other tests.
 */
export class DuckDbReference {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDbReference> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    return new DuckDbReference(instance, await instance.connect());
  }

  /** Creates `table` with the batches' schema (timestamps as TIMESTAMP) and appends their rows. */
  async load(table: string, batches: RecordBatch[]): Promise<void> {
    const fields = batches[0].schema.fields;
    const columns = fields.map((f) => `${quote(f.name)} ${sqlType(f)}`).join(", ");
    await this.connection.run(`CREATE TABLE ${quote(table)} (${columns})`);
    const appender = await this.connection.createAppender(table);
    const writers = fields.map((f) => writerOf(appender, f));
    for (const batch of batches)
      for (const row of batchRows(batch)) {
        fields.forEach((f, i) => {
          const v = row[f.name];
          if (v === null) appender.appendNull();
          else writers[i](v);
        });
        appender.endRow();
      }
    appender.flushSync();
    appender.closeSync();
  }

  /** The query's rows; BIGINT values become numbers (they stay below 2^53 here) and TIMESTAMPs epoch ms. */
  async query(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = plain(v);
      return out;
    });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlType(f: Field): string {
  const t = f.type;
  if (DataType.isTimestamp(t)) return "TIMESTAMP";
  if (DataType.isUtf8(t) || DataType.isDictionary(t)) return "VARCHAR";
  if (DataType.isFloat(t)) return "DOUBLE";
  if (DataType.isBool(t)) return "BOOLEAN";
  if (DataType.isInt(t)) return t.bitWidth === 64 ? "BIGINT" : "INTEGER";
  throw new Error(`duckdb-reference: no DuckDB type for column ${f.name} (${String(t)})`);
}

type Value = NonNullable<Row[string]>;

function writerOf(a: DuckDBAppender, f: Field): (v: Value) => void {
  switch (sqlType(f)) {
    case "TIMESTAMP":
      return (v) => a.appendTimestamp(new DuckDBTimestampValue(BigInt(v as number) * 1000n));
    case "VARCHAR":
      return (v) => a.appendVarchar(v as string);
    case "DOUBLE":
      return (v) => a.appendDouble(v as number);
    case "BOOLEAN":
      return (v) => a.appendBoolean(v as boolean);
    case "BIGINT":
      return (v) => a.appendBigInt(BigInt(v as number));
    default:
      return (v) => a.appendInteger(v as number);
  }
}

function plain(v: unknown): Row[string] {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.getTime();
  throw new Error(`duckdb-reference: unexpected value ${String(v)}; cast it in the query`);
}

/** Rows as a sorted list of JSON texts: a multiset that compares with toEqual whatever the order. */
export function rowSet(rows: Row[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

/**
 * What two row multisets do not share, a few rows of each side and the counts: `{ only: [[], []] }`
 * when they are equal, and a readable failure (not two 100k-row lists) when not.
 */
export function rowDifference(
  actual: Row[],
  expected: Row[],
  shown = 5,
): { only: [string[], string[]]; counts?: number[] } {
  const left = new Map<string, number>();
  for (const r of rowSet(actual)) left.set(r, (left.get(r) ?? 0) + 1);
  const onlyExpected: string[] = [];
  for (const r of rowSet(expected)) {
    const n = left.get(r) ?? 0;
    if (n > 0) left.set(r, n - 1);
    else onlyExpected.push(r);
  }
  const onlyActual = [...left.entries()].flatMap(([r, n]) => Array<string>(n).fill(r));
  if (onlyActual.length === 0 && onlyExpected.length === 0) return { only: [[], []] };
  return {
    only: [onlyActual.slice(0, shown), onlyExpected.slice(0, shown)],
    counts: [onlyActual.length, onlyExpected.length],
  };
}
