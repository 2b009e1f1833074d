import type { EngineMetrics } from "../metrics.js";
import type { Counters, GraphShape } from "./job-view.js";
import type { Watermarks } from "./schemas.js";

type Metric = { get(): Promise<{ values: { value: number; labels: Record<string, string | number | undefined> }[] }> };

async function byLabel(metric: Metric, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await metric.get()).values) {
    const key = String(v.labels[label] ?? "");
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

/** Counters of the subtasks whose metrics are in this process's registry (`sabot run`, a worker). */
export async function registryCounters(m: EngineMetrics, shape: GraphShape): Promise<Counters> {
  const [opIn, opOut, src, sink, busy, blocked, wm, lag] = await Promise.all([
    byLabel(m.recordsIn, "operator"),
    byLabel(m.recordsOut, "operator"),
    byLabel(m.sourceRecords, "source"),
    byLabel(m.sinkRecords, "sink"),
    byLabel(m.busySeconds, "subtask"),
    byLabel(m.backpressuredSeconds, "subtask"),
    byLabel(m.watermarkLag, "subtask"),
    m.consumerLag.get(),
  ]);
  const c: Counters = {
    recordsIn: 0,
    recordsOut: 0,
    nodeIn: {},
    nodeOut: {},
    busySeconds: 0,
    backpressuredSeconds: 0,
    subtasks: Math.max(1, busy.size),
    watermarkLagSeconds: null,
    kafkaLag: 0,
  };
  for (const n of shape.nodes) {
    const name = n.id.slice(n.id.indexOf(":") + 1);
    const [i, o] =
      n.kind === "source"
        ? [src.get(name), src.get(name)]
        : n.kind === "sink"
          ? [sink.get(name), sink.get(name)]
          : [opIn.get(n.id), opOut.get(n.id)];
    c.nodeIn[n.id] = i ?? 0;
    c.nodeOut[n.id] = o ?? 0;
  }
  for (const v of src.values()) c.recordsIn += v;
  for (const v of sink.values()) c.recordsOut += v;
  for (const v of busy.values()) c.busySeconds += v;
  for (const v of blocked.values()) c.backpressuredSeconds += v;
  if (wm.size > 0) c.watermarkLagSeconds = Math.max(...wm.values());
  for (const v of lag.values) c.kafkaLag += v.value;
  return c;
}

/** Watermark lag per subtask, late records per operator, Kafka lag per partition. */
export async function registryWatermarks(m: EngineMetrics): Promise<Watermarks> {
  const [wm, late, lag] = await Promise.all([
    m.watermarkLag.get(),
    byLabel(m.lateRecords, "operator"),
    m.consumerLag.get(),
  ]);
  return {
    splits: wm.values.map((v) => ({ subtask: String(v.labels.subtask ?? ""), watermarkLagSeconds: v.value })),
    lateRecords: [...late].map(([operator, count]) => ({ operator, count })),
    kafkaLag: lag.values.map((v) => ({
      source: String(v.labels.source ?? ""),
      topic: String(v.labels.topic ?? ""),
      partition: String(v.labels.partition ?? ""),
      lag: v.value,
    })),
  };
}
