import { CheckpointConfigError, type RestoredCheckpoint } from "../checkpoint/index.js";
import type { Logger } from "../log.js";
import type { JobPlan } from "../planner/plan.js";
import type { Dataflow } from "./dataflow.js";

/** State entries holding a sink subtask's prepared output (see Sink.preparedOutput), not an operator's. */
export const SINK_OUTPUT_PREFIX = "sink-output:";

export function sinkOutputId(sink: string, subtask: number): string {
  return `${SINK_OUTPUT_PREFIX}${sink}#${subtask}`;
}

/**
 * Loads a checkpoint's operator state into the dataflow. State of an operator the job no longer
 * has is refused unless `spec.allowNonRestoredState` is set (then dropped with a warning), as
 * Flink does: silently losing state would change results without anyone noticing.
 */
export function restoreOperators(flow: Dataflow, plan: JobPlan, restored: RestoredCheckpoint, location: string, log: Logger): void {
  for (const [id, snapshots] of restored.operators) {
    if (id.startsWith(SINK_OUTPUT_PREFIX)) continue;
    const op = flow.operator(id);
    if (!op) {
      if (plan.spec.allowNonRestoredState) {
        log.warn({ checkpoint: location, operator: id }, "dropping the state of an operator the job no longer has");
        continue;
      }
      throw new CheckpointConfigError(
        `checkpoint ${location} holds state of operator ${id}, which the job no longer has: ` +
          "restore the step, or set spec.allowNonRestoredState: true to drop that state",
      );
    }
    for (const s of snapshots) op.restore(s);
  }
}
