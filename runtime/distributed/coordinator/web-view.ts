import type { CheckpointInfo } from "../../contract/rpc/messages.js";
import { graphShape } from "../../engine/graph-shape.js";
import type { Counters, JobView } from "../../metrics/web/job-view.js";
import type { CheckpointEntry } from "../../metrics/web/schemas.js";
import type { Coordinator } from "./coordinator.js";

/**
 * The web UI's view of a distributed job, from what the coordinator knows: its state, restarts,
 * checkpoints, and the totals every worker's heartbeat carries. Per-operator rates and per-partition
 * Kafka lag are only in the workers' /metrics (Prometheus); a single source or sink gets the totals.
 */
export function coordinatorJobView(c: Coordinator): JobView {
  const shape = graphShape(c.graph);
  const sources = shape.nodes.filter((n) => n.kind === "source");
  const sinks = shape.nodes.filter((n) => n.kind === "sink");
  return {
    job: () => ({
      name: c.manifest.name,
      state: c.jobState,
      parallelism: c.parallelism,
      startTime: c.startedAt,
      restarts: [...c.failures],
    }),
    shape: () => shape,
    counters: async (): Promise<Counters> => {
      const t = c.metricsSummary().total;
      const workers = [...c.workers.values()];
      const lag = workers
        .filter((w) => Number.isFinite(w.metrics.watermark))
        .map((w) => (Date.now() - w.metrics.watermark) / 1000);
      const one = (nodes: typeof sources, v: number) => (nodes.length === 1 ? { [nodes[0].id]: v } : {});
      return {
        recordsIn: t.recordsIn,
        recordsOut: t.recordsOut,
        nodeIn: { ...one(sources, t.recordsIn), ...one(sinks, t.recordsOut) },
        nodeOut: { ...one(sources, t.recordsIn), ...one(sinks, t.recordsOut) },
        busySeconds: t.busySeconds,
        backpressuredSeconds: t.backpressuredSeconds,
        subtasks: Math.max(1, workers.length),
        watermarkLagSeconds: lag.length > 0 ? Math.max(...lag) : null,
        kafkaLag: t.consumerLag,
      };
    },
    watermarks: async () => {
      const workers = [...c.workers.values()].filter((w) => w.subtask >= 0);
      return {
        splits: workers
          .filter((w) => Number.isFinite(w.metrics.watermark))
          .map((w) => ({ subtask: String(w.subtask), watermarkLagSeconds: (Date.now() - w.metrics.watermark) / 1000 })),
        // Heartbeats carry one late-record count per worker: "*" stands for all its operators.
        lateRecords: [{ operator: "*", count: workers.reduce((sum, w) => sum + w.metrics.lateRecords, 0) }],
        kafkaLag: [],
      };
    },
    checkpoints: () => ({
      completed: c.checkpoints.completed,
      failed: c.checkpoints.failed,
      history: c.checkpoints.history().map(entry),
    }),
    savepoint: async () => c.triggerSavepoint(false, "requested from the web UI").path,
    stop: async () => c.requestStop("user", "stopped from the web UI"),
  };
}

function entry(i: CheckpointInfo): CheckpointEntry {
  const done = i.state === "COMPLETED" || i.state === "FAILED";
  return {
    id: i.id,
    kind: i.kind === "savepoint" ? "savepoint" : "checkpoint",
    status: i.state === "COMPLETED" ? "completed" : i.state === "FAILED" ? "failed" : "in_progress",
    triggeredAt: i.triggeredAtMs,
    durationMs: done ? i.durationMs : null,
    sizeBytes: i.state === "COMPLETED" ? i.bytes : null,
    alignmentMs: null,
    failure: i.error || null,
    path: i.path || null,
  };
}
