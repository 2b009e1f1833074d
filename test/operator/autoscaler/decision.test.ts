import { describe, expect, it } from "vitest";
import { type Decision, type DecisionInput, decide } from "../../../operator/autoscaler/decision.js";
import type { ObservedMetrics } from "../../../operator/autoscaler/queries.js";
import { type AutoscalerSettings, autoscalerSettings } from "../../../operator/autoscaler/settings.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { RescaleRecord } from "../../../runtime/contract/status/autoscaler.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");
const ago = (s: number) => NOW - s * 1000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

const spec = (autoscaler: NonNullable<StreamJobSpec["autoscaler"]>, maxParallelism?: number): StreamJobSpec =>
  ({
    sources: {},
    pipeline: [],
    sinks: {},
    ...(maxParallelism ? { maxParallelism } : {}),
    autoscaler,
  }) as unknown as StreamJobSpec;

/** metricWindow 60s, stabilization 5m, catch-up 5m, restart 60s, 70% utilization, max step down 50%. */
const SETTINGS: AutoscalerSettings = autoscalerSettings(
  spec({
    enabled: true,
    metricWindow: "60s",
    stabilizationWindow: "5m",
    catchUpDuration: "5m",
    restartTime: "60s",
    maxParallelism: 16,
  }),
  {},
);

/** Two subtasks, each 50% busy, reading 10K/s in all (5K/s each → 10K records per busy second): no lag. */
const STEADY: ObservedMetrics = {
  subtasks: 2,
  sourceRate: 10_000,
  sinkRate: 10_000,
  busySum: 1.0,
  busyMax: 0.5,
  backpressuredAvg: 0,
  lag: 0,
  lagGrowth: 0,
  sourcesWithLag: ["in"],
  recordsPerMessage: 1,
  partitions: 8,
  ageSeconds: 2,
  coverageSeconds: 60,
  restarts: 0,
};

function input(over: Partial<DecisionInput> = {}, metrics: Partial<ObservedMetrics> | null = {}): DecisionInput {
  const current = over.current ?? 2;
  return {
    nowMs: NOW,
    current,
    ready: current,
    running: true,
    parallelismSinceMs: ago(3600),
    streamSources: ["in"],
    sourcesWithoutLag: [],
    metrics: metrics === null ? null : { ...STEADY, subtasks: current, ...metrics },
    history: [],
    ...over,
  };
}

/** A scale-down to `parallelism` recommended without a break for the last `seconds`. */
const pendingSince = (seconds: number, parallelism: number) => ({ sinceMs: ago(seconds), parallelism });

interface Case {
  name: string;
  in: DecisionInput;
  settings?: Partial<AutoscalerSettings>;
  reason: Decision["reason"];
  recommended: number;
  change: boolean;
  message?: RegExp;
}

const cases: Case[] = [
  // target = 10K × (1 + 60/300) = 12K; 12K / (10K × 0.7) = 1.7 → 2.
  { name: "steady load keeps the parallelism", in: input(), reason: "Steady", recommended: 2, change: false },
  // saturated: 20K/s read with 2.0 busy → 10K per subtask; lag 600K growing 10K/s → input 30K;
  // target 30K × 1.2 + 600K / 300 = 38K → 38K / 7K = 5.4 → 6 → 8 (divides 8 partitions).
  {
    name: "a burst with growing lag scales up at once, to an even split of the partitions",
    in: input({}, { sourceRate: 20_000, busySum: 2, busyMax: 1, lag: 600_000, lagGrowth: 10_000 }),
    reason: "ScaleUp",
    recommended: 8,
    change: true,
    message: /input 30\.0K\/s, lag 600000/,
  },
  {
    name: "the lag alone (input keeps up) is worked off within catchUpDuration",
    // input 10K/s, 3M lag: target 12K + 10K = 22K → 22K / 7K = 3.1 → 4.
    in: input({}, { lag: 3_000_000 }),
    reason: "ScaleUp",
    recommended: 4,
    change: true,
  },
  {
    name: "idle input wants the minimum, first as a pending scale-down",
    in: input({ current: 4 }, { sourceRate: 0, busySum: 0, busyMax: 0 }),
    reason: "ScaleDownPending",
    recommended: 2, // 50% step limit
    change: false,
  },
  {
    name: "a scale-down recommended for the whole stabilization window is applied, limited per step",
    in: input({ current: 4, pendingScaleDown: pendingSince(301, 2) }, { sourceRate: 0, busySum: 0, busyMax: 0 }),
    reason: "ScaleDown",
    recommended: 2,
    change: true,
  },
  {
    name: "scale-down keeps the highest recommendation of the window",
    in: input({ current: 8, pendingScaleDown: pendingSince(400, 4) }, { subtasks: 8, sourceRate: 1000, busySum: 0.8 }),
    // needed: 1.2K / (1.25K × 0.7) = 1.4 → 2, step limit 4; pending said 4.
    reason: "ScaleDown",
    recommended: 4,
    change: true,
  },
  {
    name: "no scale-down within the stabilization window after the last rescale",
    in: input(
      { current: 4, parallelismSinceMs: ago(120), pendingScaleDown: pendingSince(400, 2) },
      { sourceRate: 0, busySum: 0 },
    ),
    reason: "ScaleDownPending",
    recommended: 2,
    change: false,
  },
  { name: "no metrics at all", in: input({}, null), reason: "MissingMetrics", recommended: 2, change: false },
  {
    name: "no busy-time series",
    in: input({}, { subtasks: 0 }),
    reason: "MissingMetrics",
    recommended: 2,
    change: false,
    message: /sabot_subtask_busy_seconds_total/,
  },
  {
    name: "a Kafka source without lag series",
    in: input({}, { sourcesWithLag: [], lag: null }),
    reason: "MissingMetrics",
    recommended: 2,
    change: false,
    message: /source\(s\) in/,
  },
  {
    name: "a generator source exports no lag",
    in: input({ sourcesWithoutLag: ["bids"] }),
    reason: "NoLagMetric",
    recommended: 2,
    change: false,
    message: /bids/,
  },
  { name: "stale samples", in: input({}, { ageSeconds: 120 }), reason: "StaleMetrics", recommended: 2, change: false },
  {
    name: "a worker restarted within the window",
    in: input({}, { restarts: 1, lag: 1e6 }),
    reason: "Restarting",
    recommended: 2,
    change: false,
  },
  {
    name: "the job is not running",
    in: input({ running: false }),
    reason: "JobNotRunning",
    recommended: 2,
    change: false,
  },
  {
    name: "fewer workers ready than the parallelism",
    in: input({ ready: 1 }),
    reason: "JobNotRunning",
    recommended: 2,
    change: false,
  },
  {
    name: "less than a metric window since the parallelism changed",
    in: input({ parallelismSinceMs: ago(30) }, { lag: 1e6 }),
    reason: "WarmingUp",
    recommended: 2,
    change: false,
  },
  {
    name: "series younger than the window",
    in: input({}, { coverageSeconds: 20, lag: 1e6 }),
    reason: "WarmingUp",
    recommended: 2,
    change: false,
  },
  {
    name: "lag but nothing read",
    in: input({}, { sourceRate: 0, busySum: 0, lag: 5000 }),
    reason: "NoThroughput",
    recommended: 2,
    change: false,
  },
  {
    name: "a scale-down rounds up to an even split of the partitions",
    in: input({ current: 4, pendingScaleDown: pendingSince(400, 3) }, { sourceRate: 0, busySum: 0 }),
    settings: { minParallelism: 3, scaleDownMaxFactor: 1 },
    reason: "Steady",
    recommended: 4,
    change: false,
  },
  {
    name: "bounded by maxParallelism",
    in: input({}, { sourceRate: 20_000, busySum: 2, lag: 600_000, lagGrowth: 10_000 }),
    settings: { maxParallelism: 3 },
    reason: "ScaleUp",
    recommended: 3,
    change: true,
    message: /bounded to 3/,
  },
  {
    name: "bounded by the partitions",
    in: input({}, { sourceRate: 20_000, busySum: 2, lag: 600_000, lagGrowth: 10_000, partitions: 3 }),
    reason: "ScaleUp",
    recommended: 3,
    change: true,
    message: /3 partitions/,
  },
  {
    name: "bounded by the key groups (spec.maxParallelism)",
    in: input({}, { sourceRate: 20_000, busySum: 2, lag: 600_000, lagGrowth: 10_000, partitions: null }),
    settings: { maxParallelism: autoscalerSettings(spec({ enabled: true, maxParallelism: 64 }, 5), {}).maxParallelism },
    reason: "ScaleUp",
    recommended: 5,
    change: true,
  },
  {
    name: "never below minParallelism",
    in: input({ current: 4, pendingScaleDown: pendingSince(400, 3) }, { sourceRate: 0, busySum: 0, partitions: 12 }),
    settings: { minParallelism: 3, scaleDownMaxFactor: 1 },
    reason: "ScaleDown",
    recommended: 3,
    change: true,
  },
];

/** A rescale by the autoscaler, begun `startedSecondsAgo`. */
function autoscaled(from: number, to: number, startedSecondsAgo: number, more: Partial<RescaleRecord>): RescaleRecord {
  return { time: iso(ago(startedSecondsAgo)), from, to, trigger: "autoscaler", ...more };
}

/** A 2 → 4 autoscaler scale-up begun 5 minutes ago and done 4 minutes ago, expected to take 20K/s to 40K/s. */
function scaledUpTo4(more: Partial<RescaleRecord> = {}): RescaleRecord[] {
  return [
    autoscaled(2, 4, 300, { completedAt: iso(ago(240)), capacityBefore: 20_000, expectedCapacity: 40_000, ...more }),
  ];
}

/** Four subtasks fully busy reading only 20K/s while the lag grows: the scale-up gained nothing. */
const SATURATED_AT_4: Partial<ObservedMetrics> = {
  subtasks: 4,
  sourceRate: 20_000,
  busySum: 4,
  lag: 1_000_000,
  lagGrowth: 5000,
};

/** A decision at parallelism 4, which the job has run at since that scale-up completed. */
function decideAtFour(history: RescaleRecord[], metrics: Partial<ObservedMetrics>, nowMs = NOW): Decision {
  return decide(input({ current: 4, nowMs, parallelismSinceMs: ago(240), history }, metrics), SETTINGS);
}

describe("decide", () => {
  it.each(cases)("$name", (c) => {
    const d = decide(c.in, { ...SETTINGS, ...c.settings });
    expect({ reason: d.reason, recommended: d.recommended, change: d.change }, d.message).toEqual({
      reason: c.reason,
      recommended: c.recommended,
      change: c.change,
    });
    if (c.message) expect(d.message).toMatch(c.message);
  });

  it("reports the inputs it used", () => {
    const d = decide(
      input({}, { sourceRate: 20_000, busySum: 2, busyMax: 1, lag: 600_000, lagGrowth: 10_000 }),
      SETTINGS,
    );
    expect(d.inputs).toMatchObject({
      inputRate: 30_000,
      sourceRate: 20_000,
      lag: 600_000,
      busyRatio: 1,
      processingRatePerSubtask: 10_000,
      targetRate: 38_000,
      restartSeconds: 60,
      partitions: 8,
      upperBound: 8,
      subtasks: 2,
    });
  });

  it("clears a pending scale-down when the load comes back", () => {
    const d = decide(
      input({ current: 4, pendingScaleDown: pendingSince(100, 2) }, { subtasks: 4, busySum: 2, sourceRate: 20_000 }),
      SETTINGS,
    );
    // 20K × 1.2 / 7K = 3.4 → 4.
    expect(d.reason).toBe("Steady");
    expect(d.pendingScaleDown).toBeUndefined();
  });

  it("completes a rescale once the job runs at the new parallelism, measuring its restart time, then warms up", () => {
    const history: RescaleRecord[] = [autoscaled(2, 4, 45, { capacityBefore: 20_000, expectedCapacity: 40_000 })];
    const inProgress = decide(input({ current: 4, ready: 2, history }), SETTINGS);
    expect(inProgress.reason).toBe("RescaleInProgress");
    const done = decide(input({ current: 4, history }), SETTINGS);
    expect(done.reason).toBe("WarmingUp");
    expect(done.history[0]).toMatchObject({ completedAt: iso(NOW), restartSeconds: 45 });
    expect(done.parallelismSinceMs).toBe(NOW);
  });

  it("uses the observed restart time of earlier rescales in the catch-up target", () => {
    const history = [
      autoscaled(1, 2, 7200, { completedAt: iso(ago(7000)), restartSeconds: 150, effectiveness: 1, effective: true }),
    ];
    const d = decide(input({ history }), SETTINGS);
    expect(d.inputs.restartSeconds).toBe(150);
    // 10K × (1 + 150/300) = 15K → 15K / 7K = 2.1 → 3 → 4 (even split of 8).
    expect(d).toMatchObject({ reason: "ScaleUp", recommended: 4 });
  });

  it("measures a scale-up one window later, and blocks further scale-ups when it fell short", () => {
    // 2 → 4 expected 20K → 40K; now 4 subtasks fully busy read only 20K/s: capacity 20K, no gain.
    const d = decideAtFour(scaledUpTo4({ restartSeconds: 60 }), SATURATED_AT_4);
    expect(d.history[0]).toMatchObject({ observedCapacity: 20_000, effectiveness: 0, effective: false });
    expect(d.reason).toBe("IneffectiveScaling");
    expect(d.recommended).toBe(4);
    expect(d.message).toMatch(/2 → 4/);
    // The next evaluation still knows.
    const again = decideAtFour(d.history, SATURATED_AT_4);
    expect(again.reason).toBe("IneffectiveScaling");
    // An hour later the block expires.
    const later = decideAtFour(d.history, SATURATED_AT_4, NOW + 3_600_000);
    expect(later.reason).toBe("ScaleUp");
  });

  it("does not assess a scale-up while the job is nearly idle", () => {
    const d = decideAtFour(scaledUpTo4(), { subtasks: 4, sourceRate: 2_000, busySum: 0.2 });
    expect(d.history[0].effectiveness).toBeUndefined();
  });

  it("records an effective scale-up as such", () => {
    const d = decideAtFour(scaledUpTo4(), { subtasks: 4, sourceRate: 19_000, busySum: 2 });
    expect(d.history[0]).toMatchObject({ observedCapacity: 38_000, effectiveness: 0.9, effective: true });
  });

  it("holds a user's scale for the stabilization window, then moves away from it", () => {
    const history: RescaleRecord[] = [
      { time: iso(ago(120)), from: 4, to: 2, trigger: "manual", completedAt: iso(ago(120)) },
    ];
    const burst = { sourceRate: 20_000, busySum: 2, lag: 600_000, lagGrowth: 10_000 };
    const held = decide(input({ history, parallelismSinceMs: ago(120) }, burst), SETTINGS);
    expect(held).toMatchObject({ reason: "ManualScaleHold", recommended: 2, change: false });
    expect(held.message).toMatch(/would recommend 8/);
    const after = decide(input({ history, parallelismSinceMs: ago(120), nowMs: NOW + 200_000 }, burst), SETTINGS);
    expect(after).toMatchObject({ reason: "ScaleUp", recommended: 8 });
  });
});
