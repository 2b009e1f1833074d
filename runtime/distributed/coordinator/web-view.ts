import type { CheckpointInfo, OperatorViewReport, WorkerMetrics } from "../../contract/rpc/messages.js";
import { graphShape } from "../../engine/graph-shape.js";
import type { Counters, JobView } from "../../metrics/web/job-view.js";
import { nodeCounters, sourceSplits } from "../../metrics/web/registry-view.js";
import type { CheckpointEntry, OperatorView, Watermarks } from "../../metrics/web/schemas.js";
import type { Coordinator } from "./coordinator.js";

/**
 * The web UI's view of a distributed job, from what the coordinator knows: its state, restarts,
 * checkpoints, what every worker's heartbeat carries (totals, records per graph node, Kafka lag per
 * partition, watermarks per source split), and what the Kubernetes operator reported (autoscaler
 * decisions, Events).
 */
export function coordinatorJobView(c: Coordinator): JobView {
  const shape = graphShape(c.graph);
  const running = () => [...c.workers.values()].filter((w) => w.subtask >= 0);
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
      return {
        ...nodeCounters(
          shape,
          running().flatMap((w) => w.metrics.nodes ?? []),
        ),
        // The heartbeat totals count since the attempt started; the per-node counts since each worker did.
        recordsIn: t.recordsIn,
        recordsOut: t.recordsOut,
        busySeconds: t.busySeconds,
        backpressuredSeconds: t.backpressuredSeconds,
        subtasks: Math.max(1, workers.length),
        watermarkLagSeconds: lag.length > 0 ? Math.max(...lag) : null,
        kafkaLag: t.consumerLag,
      };
    },
    watermarks: async () => watermarks(running().map((w) => ({ subtask: w.subtask, metrics: w.metrics }))),
    checkpoints: () => ({
      completed: c.checkpoints.completed,
      failed: c.checkpoints.failed,
      history: c.checkpoints.history().map(entry),
    }),
    operatorView: () => operatorView(c.operatorView),
    savepoint: async () => c.triggerSavepoint(false, "requested from the web UI").path,
    stop: async () => c.requestStop("user", "stopped from the web UI"),
  };
}

function watermarks(workers: { subtask: number; metrics: WorkerMetrics }[]): Watermarks {
  const now = Date.now();
  // Workers of one process (tests) share a registry without a subtask label on Kafka lag: one row per partition.
  const kafkaLag = new Map<string, Watermarks["kafkaLag"][number]>();
  for (const w of workers)
    for (const p of w.metrics.partitionLag ?? []) kafkaLag.set(`${p.source}\n${p.topic}\n${p.partition}`, { ...p });
  return {
    splits: workers
      .filter((w) => Number.isFinite(w.metrics.watermark))
      .map((w) => ({ subtask: String(w.subtask), watermarkLagSeconds: (now - w.metrics.watermark) / 1000 })),
    sourceSplits: workers.flatMap((w) => sourceSplits(String(w.subtask), w.metrics.splitWatermarks ?? [], now)),
    lateRecords: lateRecords(workers),
    kafkaLag: [...kafkaLag.values()],
  };
}

/**
 * Late records per operator that dropped any (as `sabot run` lists them), from the heartbeats'
 * node counts; "*" (all operators) for a worker that sends no node counts.
 */
export function lateRecords(workers: { metrics: WorkerMetrics }[]): Watermarks["lateRecords"] {
  const byOperator = new Map<string, number>();
  for (const w of workers) {
    const nodes = w.metrics.nodes ?? [];
    if (nodes.length === 0) byOperator.set("*", (byOperator.get("*") ?? 0) + w.metrics.lateRecords);
    for (const n of nodes) if (n.lateRecords) byOperator.set(n.id, (byOperator.get(n.id) ?? 0) + n.lateRecords);
  }
  return [...byOperator].map(([operator, count]) => ({ operator, count }));
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
    alignmentMs: i.state === "COMPLETED" ? (i.alignmentMs ?? 0) : null,
    failure: i.error || null,
    path: i.path || null,
  };
}

/** The operator's report as the API shows it: newest first. */
export function operatorView(r: OperatorViewReport | null): OperatorView {
  if (!r) return { reportedAt: null, decisions: [], rescales: [], events: [] };
  return {
    reportedAt: r.reportedAtMs,
    decisions: r.decisions
      .map((d) => ({
        at: d.timeMs,
        current: d.current,
        recommended: d.recommended,
        applied: d.applied,
        reason: d.reason,
        message: d.message,
        inputs: { ...d.inputs },
      }))
      .reverse(),
    rescales: r.rescales
      .map((x) => ({
        at: x.timeMs,
        from: x.from,
        to: x.to,
        trigger: x.trigger,
        reason: x.reason,
        effectiveness: x.effectiveness < 0 ? null : x.effectiveness,
      }))
      .reverse(),
    events: r.events
      .map((e) => ({
        at: e.timeMs,
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: Math.max(1, e.count),
        component: e.component,
      }))
      .reverse(),
  };
}
