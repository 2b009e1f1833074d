import type { Schema } from "apache-arrow";

/**
 * What the planner knows about a stream between two operators: its columns, which column holds
 * event time (if any), and the key columns when the stream is keyed.
 */
export interface StreamInfo {
  schema: Schema;
  timeField?: string;
  keys?: string[];
  /**
   * Set on an UPSERT stream (an unbounded GROUP BY, an updating Top-N): each row is the new value
   * of the row with these column values, and the last row per upsert key is the current result.
   * Absent: append-only. [] is a one-row table.
   */
  upsertKey?: string[];
}
