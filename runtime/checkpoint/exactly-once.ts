import type { StreamJobSpec } from "../contract/spec/schema.js";

/**
 * Whether a job's sinks commit with its checkpoints (two-phase): exactly-once needs checkpoints to
 * commit on, so without an interval and storage the sinks stay at-least-once.
 */
export function sinksExactlyOnce(spec: Pick<StreamJobSpec, "checkpointing">): boolean {
  const c = spec.checkpointing;
  return c?.mode === "exactly-once" && !!c.interval && !!c.storage;
}
