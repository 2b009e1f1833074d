import { DataType, type RecordBatch } from "apache-arrow";
import { columnsOf, valueAt } from "../../types/column.js";
import type { Sink } from "../connector.js";
import type { ConsoleConfig } from "./config.js";

const MAX_CELL = 40;

export interface TextOut {
  write(s: string): unknown;
}

/**
 * Prints batches as aligned tables, for local runs: at most maxRows rows per batch, numbers right-
 * aligned, timestamps as ISO-8601 UTC, long strings cut at 40 characters.
 */
export class ConsoleSink implements Sink {
  constructor(
    private readonly config: ConsoleConfig,
    private readonly out: TextOut = process.stdout,
  ) {}

  async open(): Promise<void> {}

  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    this.out.write(this.config.maxRows === 0 ? `(${batch.numRows} rows)\n` : formatTable(batch, this.config.maxRows));
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

function cell(v: string | number | boolean | null, isTime: boolean): string {
  if (v === null) return "null";
  if (isTime && typeof v === "number") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
  }
  const s = String(v).replace(/[\n\r\t]/g, " ");
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

/** The table text of the first maxRows rows of a batch (with a trailing line when rows were left out). */
export function formatTable(batch: RecordBatch, maxRows: number): string {
  const fields = batch.schema.fields;
  const cols = columnsOf(batch);
  const shown = Math.min(batch.numRows, maxRows);
  const right = fields.map((f) => DataType.isInt(f.type) || DataType.isFloat(f.type));
  const time = fields.map((f) => DataType.isTimestamp(f.type));
  const cells: string[][] = [];
  for (let i = 0; i < shown; i++) cells.push(cols.map((c, j) => cell(valueAt(c, i), time[j])));
  const width = fields.map((f, j) => Math.max(f.name.length, ...cells.map((r) => r[j].length)));
  const pad = (s: string, j: number) => (right[j] ? s.padStart(width[j]) : s.padEnd(width[j]));
  const line = (r: string[]) => ` ${r.map(pad).join(" | ")}`.trimEnd();
  const lines = [
    line(fields.map((f) => f.name)),
    `-${width.map((w) => "-".repeat(w)).join("-+-")}-`,
    ...cells.map(line),
  ];
  if (shown < batch.numRows) lines.push(`(${batch.numRows} rows, ${shown} shown)`);
  return `${lines.join("\n")}\n`;
}
