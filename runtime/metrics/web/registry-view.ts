import type { EngineMetrics } from "../metrics.js";
import type { Counters, GraphShape } from "./job-view.js";
import type { SourceSplit, Watermarks } from "./schemas.js";

/** A source split's own watermark, as the engine's task reports it (epoch ms). */
export interface SplitWatermarkMs {
  source: string;
  split: string;
  watermark: number;
  idle: boolean;
}

type Metric = { get(): Promise<{ values: { value: number; labels: Record<string, string | number | undefined> }[] }> };

/** Sums of a metric's series by one label; only the series of `subtask` when given. */
async function byLabel(metric: Metric, label: string, subtask?: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await metric.get()).values) {
    if (subtask !== undefined && String(v.labels.subtask) !== subtask) continue;
    const key = String(v.labels[label] ?? "");
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

/** Counters of the subtasks whose metrics are in this process's registry (`sabot run`, a worker). */
export async function registryCounters(m: EngineMetrics, shape: GraphShape): Promise<Counters> {
  const [nodes, busy, blocked, wm, lag] = await Promise.all([
    registryNodeRecords(m),
    byLabel(m.busySeconds, "subtask"),
    byLabel(m.backpressuredSeconds, "subtask"),
    byLabel(m.watermarkLag, "subtask"),
    m.consumerLag.get(),
  ]);
  const c: Counters = {
    ...nodeCounters(shape, nodes),
    busySeconds: 0,
    backpressuredSeconds: 0,
    subtasks: Math.max(1, busy.size),
    watermarkLagSeconds: null,
    kafkaLag: 0,
  };
  for (const v of busy.values()) c.busySeconds += v;
  for (const v of blocked.values()) c.backpressuredSeconds += v;
  if (wm.size > 0) c.watermarkLagSeconds = Math.max(...wm.values());
  for (const v of lag.values) c.kafkaLag += v.value;
  return c;
}

export type NodeRecords = { id: string; recordsIn: number; recordsOut: number; lateRecords?: number };

/**
 * Each graph node's records in/out, summed over the given reports (one per subtask, or one per
 * process), and the job's totals: what its sources read and its sinks wrote.
 */
export function nodeCounters(
  shape: GraphShape,
  nodes: NodeRecords[],
): Pick<Counters, "recordsIn" | "recordsOut" | "nodeIn" | "nodeOut"> {
  const c = {
    recordsIn: 0,
    recordsOut: 0,
    nodeIn: {} as Record<string, number>,
    nodeOut: {} as Record<string, number>,
  };
  for (const n of shape.nodes) {
    c.nodeIn[n.id] = 0;
    c.nodeOut[n.id] = 0;
  }
  for (const r of nodes) {
    if (!(r.id in c.nodeIn)) continue;
    c.nodeIn[r.id] += r.recordsIn;
    c.nodeOut[r.id] += r.recordsOut;
    if (r.id.startsWith("source:")) c.recordsIn += r.recordsIn;
    if (r.id.startsWith("sink:")) c.recordsOut += r.recordsOut;
  }
  return c;
}

/**
 * Watermark lag per subtask and per source split (`splits`: this process's tasks, by subtask), late
 * records per operator, Kafka lag per partition.
 */
export async function registryWatermarks(
  m: EngineMetrics,
  splits: Record<string, SplitWatermarkMs[]> = {},
): Promise<Watermarks> {
  const [wm, late, kafkaLag] = await Promise.all([
    m.watermarkLag.get(),
    byLabel(m.lateRecords, "operator"),
    registryPartitionLag(m),
  ]);
  const now = Date.now();
  return {
    splits: wm.values.map((v) => ({ subtask: String(v.labels.subtask ?? ""), watermarkLagSeconds: v.value })),
    sourceSplits: Object.entries(splits).flatMap(([subtask, list]) => sourceSplits(subtask, list, now)),
    lateRecords: [...late].map(([operator, count]) => ({ operator, count })),
    kafkaLag,
  };
}

/** Kafka lag per partition from this process's sabot_kafka_consumer_lag series. */
export async function registryPartitionLag(m: EngineMetrics): Promise<Watermarks["kafkaLag"]> {
  return (await m.consumerLag.get()).values.map((v) => ({
    source: String(v.labels.source ?? ""),
    topic: String(v.labels.topic ?? ""),
    partition: String(v.labels.partition ?? ""),
    lag: v.value,
  }));
}

/**
 * Records into and out of each graph node (ids as in graphShape) from this process's counters;
 * only one subtask's when given (workers in one process share a registry in tests).
 */
export async function registryNodeRecords(m: EngineMetrics, subtask?: string): Promise<NodeRecords[]> {
  const [opIn, opOut, late, src, sink] = await Promise.all([
    byLabel(m.recordsIn, "operator", subtask),
    byLabel(m.recordsOut, "operator", subtask),
    byLabel(m.lateRecords, "operator", subtask),
    byLabel(m.sourceRecords, "source", subtask),
    byLabel(m.sinkRecords, "sink", subtask),
  ]);
  return [
    ...[...src].map(([name, n]) => ({ id: `source:${name}`, recordsIn: n, recordsOut: n })),
    ...[...opIn].map(([id, n]) => ({
      id,
      recordsIn: n,
      recordsOut: opOut.get(id) ?? 0,
      lateRecords: late.get(id) ?? 0,
    })),
    ...[...sink].map(([name, n]) => ({ id: `sink:${name}`, recordsIn: n, recordsOut: n })),
  ];
}

/** The UI's rows for one subtask's split watermarks (lag from `nowMs`; null before a split's first event). */
export function sourceSplits(subtask: string, list: SplitWatermarkMs[], nowMs: number): SourceSplit[] {
  return list.map((w) => ({
    subtask,
    source: w.source,
    split: w.split,
    watermarkLagSeconds: Number.isFinite(w.watermark) ? (nowMs - w.watermark) / 1000 : null,
    idle: w.idle,
  }));
}
