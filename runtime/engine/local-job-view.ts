import type { CheckpointLog } from "../metrics/web/checkpoint-log.js";
import type { JobView } from "../metrics/web/job-view.js";
import { registryCounters, registryWatermarks } from "../metrics/web/registry-view.js";
import { chainedGraph } from "./graph.js";
import { graphShape } from "./graph-shape.js";
import type { LocalJob } from "./local-job.js";

/**
 * The web UI's view of a job run by `sabot run`: its metrics registry and the checkpoints its
 * coordinator reported to `checkpoints` (pass `checkpoints.record` as LocalRunOptions.onCheckpoint).
 * No savepoint action: a single-process job takes savepoints only on stop (`sabot savepoint` is for clusters).
 */
export function localJobView(job: LocalJob, checkpoints: CheckpointLog): JobView {
  const shape = graphShape(chainedGraph(job.plan));
  return {
    job: () => ({ name: job.plan.jobName, state: job.state, parallelism: 1, startTime: job.startTime, restarts: [] }),
    shape: () => shape,
    counters: () => registryCounters(job.metrics, shape),
    watermarks: () => registryWatermarks(job.metrics, { "0": job.splitWatermarks() }),
    checkpoints: () => checkpoints.snapshot(),
    stateBytes: () => checkpoints.stateBytes(),
    stop: async () => job.stop(),
  };
}
