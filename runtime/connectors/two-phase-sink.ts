import type { RecordBatch } from "apache-arrow";

/**
 * Base of the sinks that can deliver exactly-once (files, kafka): the two-phase-commit methods of
 * Sink stay undefined until such a sink, opened in exactly-once mode, sets them all. The executor
 * tests for them, so a sink in at-least-once mode keeps flush-on-checkpoint.
 */
export abstract class TwoPhaseSink {
  prepareCheckpoint?: (id: number) => Promise<void>;
  commitCheckpoint?: (id: number) => Promise<void>;
  checkpointFailed?: (id: number) => void;
  committedCheckpoint?: () => Promise<number | null>;
  preparedOutput?: () => RecordBatch[];
  recommit?: (id: number, rows: RecordBatch[]) => Promise<void>;
}
