import { emptyMetrics, type JobState, type JobStatus, type MetricsSummary } from "../../contract/rpc/messages.js";
import type { RestartStrategy } from "./restart-strategy.js";
import type { WorkerEntry } from "./worker-entry.js";

/** What GetJobStatus reports. */
export function jobStatus(j: {
  jobName: string;
  state: JobState;
  attempt: number;
  restart: RestartStrategy;
  parallelism: number;
  maxParallelism: number;
  message: string;
  workers: WorkerEntry[];
  vertices: string[];
  stateSince: number;
  lastRunMs: number;
  delivery: string;
  lastCheckpoint: JobStatus["lastCheckpoint"];
  checkpointsCompleted: number;
  checkpointsFailed: number;
  restoredFrom: string;
  operatorViewDigest: string;
}): JobStatus {
  const now = Date.now();
  return {
    jobName: j.jobName,
    state: j.state,
    attempt: j.attempt,
    restarts: j.restart.total,
    maxRestarts: j.restart.maxRestarts,
    delivery: j.delivery,
    parallelism: j.parallelism,
    maxParallelism: j.maxParallelism,
    message: j.message,
    workers: j.workers.map((w) => ({
      workerId: w.id,
      address: w.address,
      subtask: w.subtask,
      pid: w.pid,
      state: w.task,
      lastHeartbeatAgeMs: now - w.lastHeartbeat,
    })),
    vertices: j.vertices.map((name) => ({ name, parallelism: j.parallelism })),
    stateSinceMs: j.stateSince,
    lastRunMs: j.lastRunMs,
    lastCheckpoint: j.lastCheckpoint,
    checkpointsCompleted: j.checkpointsCompleted,
    checkpointsFailed: j.checkpointsFailed,
    restoredFrom: j.restoredFrom,
    operatorViewDigest: j.operatorViewDigest,
  };
}

/** What GetMetricsSummary reports: each worker's last heartbeat figures, and their totals. */
export function metricsSummary(jobName: string, attempt: number, entries: WorkerEntry[]): MetricsSummary {
  const workers = entries.map((w) => ({ workerId: w.id, subtask: w.subtask, metrics: w.metrics }));
  const total = emptyMetrics();
  total.watermark = workers.length ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const { metrics: m } of workers) {
    total.recordsIn += m.recordsIn;
    total.recordsOut += m.recordsOut;
    total.busySeconds += m.busySeconds;
    total.backpressuredSeconds += m.backpressuredSeconds;
    total.rssBytes += m.rssBytes;
    total.watermark = Math.min(total.watermark, m.watermark);
    total.exchangeRowsSent += m.exchangeRowsSent;
    total.exchangeBytesSent += m.exchangeBytesSent;
    total.lateRecords += m.lateRecords;
    total.consumerLag += m.consumerLag ?? 0;
  }
  return { jobName, attempt, total, workers };
}
