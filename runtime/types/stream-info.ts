import type { Schema } from "apache-arrow";

/**
 * What the planner knows about a stream between two operators: its columns, which column holds
 * event time (if any), and the key columns when the stream is keyed.
 */
export interface StreamInfo {
  schema: Schema;
  timeField?: string;
  keys?: string[];
}
