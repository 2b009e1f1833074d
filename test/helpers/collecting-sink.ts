import type { RecordBatch } from "apache-arrow";
import type { Sink } from "../../runtime/connectors/connector.js";
import { valueAt } from "../../runtime/types/column.js";

export type Row = Record<string, string | number | boolean | null>;

/** An in-process sink for tests and benchmarks: counts rows and optionally keeps them. */
export class CollectingSink implements Sink {
  readonly batches: RecordBatch[] = [];
  rows = 0;

  constructor(private readonly keep = true) {}

  async open(): Promise<void> {}
  async write(batch: RecordBatch): Promise<void> {
    this.rows += batch.numRows;
    if (this.keep) this.batches.push(batch);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}

  /** Kept rows as plain objects (for comparing with a reference). */
  toRows(): Row[] {
    return this.batches.flatMap((b) => batchRows(b));
  }
}

export function batchRows(b: RecordBatch): Row[] {
  const cols = b.data.children;
  const names = b.schema.fields.map((f) => f.name);
  const rows: Row[] = [];
  for (let i = 0; i < b.numRows; i++) {
    const row: Row = {};
    for (const [c, n] of names.entries()) row[n] = valueAt(cols[c], i);
    rows.push(row);
  }
  return rows;
}
