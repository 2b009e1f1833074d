/**
 * A named stream of the pipeline as SQL sees it: its columns (for `*`, unknown-column errors and
 * positional INSERTs), the names it can be qualified with, and its event-time column.
 */
export interface Relation {
  stream: string;
  columns: string[];
  /** Table names and aliases that may qualify a column (`B.price`). */
  qualifiers: string[];
  /** The watermarked column, kept while a query passes it through unchanged. */
  timeColumn?: string;
  /** Columns computed on use: a window's `window_time` is `window_end - 1` ms, as in Flink. */
  virtual?: Record<string, string>;
  /** The stream may be keyed (a window's output keeps its keys): a global window re-keys it with []. */
  keyed?: boolean;
  /** Columns of the stream that `*` leaves out (a window's `window_time`, as in Flink). */
  hidden?: string[];
  /** A join's columns per table alias (alias -> column -> output column); see join-scope.ts. */
  scoped?: Record<string, Record<string, string>>;
  /** An upsert-kafka table's PRIMARY KEY: the key a lookup join matches. */
  tableKey?: string[];
  /** A `PROCTIME() AS p` attribute: a name, not a column (see proc-time.ts). */
  procTime?: string;
}

/** A SQL identifier as runtime/expr reads it: quoted, so case and odd characters survive. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
