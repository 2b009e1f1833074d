import type { PrometheusClient, PromSample } from "./prometheus.js";

/**
 * What the decision reads about one job, over the metric window, from the workers' metrics
 * (docs/metrics.md). Every value is aggregated in PromQL so the decision stays a pure function.
 */
export interface ObservedMetrics {
  /** Subtasks with busy-time series in the window. */
  subtasks: number;
  /** Records all sources read per second. */
  sourceRate: number;
  /** Records all sinks wrote per second (for the status only). */
  sinkRate: number;
  /** Per-subtask busy fraction (subtask busy + source decoding), each clamped to [0, 1], summed. */
  busySum: number;
  busyMax: number;
  /** Per-subtask backpressured fraction, clamped to [0, 1] (it sums several loops), averaged. */
  backpressuredAvg: number;
  /** Lag over every partition of every Kafka source, in records; null when no lag series exists. */
  lag: number | null;
  /** d(lag)/dt in records/s; null when unknown. */
  lagGrowth: number | null;
  /** Records per Kafka message (lag is exported in messages; an arrow message holds a batch). */
  recordsPerMessage: number;
  /** Stream sources that export lag (by `source` label). */
  sourcesWithLag: string[];
  /** Most partitions of any Kafka source. */
  partitions: number | null;
  /** Seconds since the newest busy-time sample. */
  ageSeconds: number | null;
  /** Seconds the youngest busy-time series has existed within the window (≈ window when settled). */
  coverageSeconds: number | null;
  /** Counter resets in the window: a worker process restarted. */
  restarts: number;
}

/** PromQL for one job over a window; the label value is escaped for a double-quoted string. */
export function jobQueries(jobName: string, windowMs: number) {
  const j = `job_name="${jobName.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const w = `${Math.max(1, Math.round(windowMs / 1000))}s`;
  const busyPerSubtask = `clamp_max(sum by (subtask) (rate({__name__=~"sabot_subtask_busy_seconds_total|sabot_source_busy_seconds_total",${j}}[${w}])), 1)`;
  const bpPerSubtask = `clamp_max(sum by (subtask) (rate(sabot_subtask_backpressured_seconds_total{${j}}[${w}])), 1)`;
  return {
    subtasks: `count(${busyPerSubtask})`,
    sourceRate: `sum(rate(sabot_source_records_total{${j}}[${w}]))`,
    sinkRate: `sum(rate(sabot_sink_records_total{${j}}[${w}]))`,
    busySum: `sum(${busyPerSubtask})`,
    busyMax: `max(${busyPerSubtask})`,
    backpressuredAvg: `avg(${bpPerSubtask})`,
    /** For dashboards; the decision derives the same from busy and backpressured. */
    idlePerSubtask: `clamp_min(1 - ${busyPerSubtask} - on (subtask) ${bpPerSubtask}, 0)`,
    // A partition can briefly have two series (old and new worker); the newest value counts once.
    lagByPartition: `max by (source, topic, partition) (sabot_kafka_consumer_lag{${j}})`,
    lag: `sum(max by (source, topic, partition) (sabot_kafka_consumer_lag{${j}}))`,
    lagBySource: `sum by (source) (max by (source, topic, partition) (sabot_kafka_consumer_lag{${j}}))`,
    lagGrowth: `sum(deriv(sabot_kafka_consumer_lag{${j}}[${w}]))`,
    messageRate: `sum(rate(sabot_kafka_messages_total{${j}}[${w}]))`,
    partitions: `max(sabot_kafka_partitions{${j}})`,
    age: `time() - max(timestamp(sabot_subtask_busy_seconds_total{${j}}))`,
    coverage: `time() - max(min_over_time(timestamp(sabot_subtask_busy_seconds_total{${j}})[${w}:]))`,
    restarts: `sum(resets(sabot_subtask_busy_seconds_total{${j}}[${w}]))`,
  };
}

const one = (s: PromSample[]): number | null => (s.length > 0 && Number.isFinite(s[0].value) ? s[0].value : null);

/** Runs the queries (in parallel) and assembles the observation; Prometheus errors propagate. */
export async function readJobMetrics(
  client: PrometheusClient,
  jobName: string,
  windowMs: number,
): Promise<ObservedMetrics> {
  const q = jobQueries(jobName, windowMs);
  const [
    subtasks,
    sourceRate,
    sinkRate,
    busySum,
    busyMax,
    bp,
    lag,
    lagBySource,
    lagGrowth,
    messageRate,
    partitions,
    age,
    coverage,
    restarts,
  ] = await Promise.all(
    [
      q.subtasks,
      q.sourceRate,
      q.sinkRate,
      q.busySum,
      q.busyMax,
      q.backpressuredAvg,
      q.lag,
      q.lagBySource,
      q.lagGrowth,
      q.messageRate,
      q.partitions,
      q.age,
      q.coverage,
      q.restarts,
    ].map((x) => client.query(x)),
  );
  const records = one(sourceRate) ?? 0;
  const messages = one(messageRate) ?? 0;
  // Lag is in messages: as many records per message as the sources read lately (1 for json/avro).
  const perMessage = messages > 0 && records > 0 ? records / messages : 1;
  const lagMessages = one(lag);
  const growthMessages = one(lagGrowth);
  return {
    subtasks: one(subtasks) ?? 0,
    sourceRate: one(sourceRate) ?? 0,
    sinkRate: one(sinkRate) ?? 0,
    busySum: one(busySum) ?? 0,
    busyMax: one(busyMax) ?? 0,
    backpressuredAvg: one(bp) ?? 0,
    lag: lagMessages === null ? null : Math.round(lagMessages * perMessage),
    lagGrowth: growthMessages === null ? null : growthMessages * perMessage,
    recordsPerMessage: perMessage,
    sourcesWithLag: lagBySource.map((s) => s.labels.source).filter((s): s is string => typeof s === "string"),
    partitions: one(partitions),
    ageSeconds: one(age),
    coverageSeconds: one(coverage),
    restarts: one(restarts) ?? 0,
  };
}
