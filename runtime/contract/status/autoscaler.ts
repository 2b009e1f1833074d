import { type Static, Type } from "@sinclair/typebox";
import { Condition } from "./condition.js";
import { Num, Optional, Parallelism, StringEnum, Time } from "./fields.js";

/** What the autoscaler measured and derived for one decision (rates in records/s). */
export const AutoscalerInputs = Type.Object(
  {
    inputRate: Optional(Num("Records arriving per second: read rate plus lag growth.")),
    sourceRate: Optional(Num("Records the sources read per second.")),
    lag: Optional(Num("Consumer lag over all Kafka partitions (records).")),
    lagGrowth: Optional(Num("Records per second the lag grows (negative while it drains).")),
    busyRatio: Optional(Num("Average fraction of time a subtask was busy (processing and decoding).")),
    maxBusyRatio: Optional(Num("Busiest subtask's busy fraction (skew shows as max >> average).")),
    backpressuredRatio: Optional(Num("Average fraction of time a subtask waited for room downstream.")),
    idleRatio: Optional(Num("Average fraction of time a subtask had nothing to do.")),
    processingRatePerSubtask: Optional(Num("True processing rate: records one subtask handles per busy second.")),
    targetRate: Optional(
      Num("Rate to sustain: input, plus lag and restart backlog worked off within catchUpDuration."),
    ),
    restartSeconds: Optional(Num("Restart time assumed for a rescale (observed, else spec.autoscaler.restartTime).")),
    partitions: Optional(Parallelism("Most partitions of any Kafka source: the useful upper bound.")),
    upperBound: Optional(Parallelism("Highest parallelism allowed now (max, partitions, key groups).")),
    subtasks: Optional(Parallelism("Subtasks that reported metrics in the window.")),
  },
  { additionalProperties: false, description: "What the autoscaler measured and derived (rates in records/s)." },
);

export const AutoscalerDecision = Type.Object(
  {
    time: Time,
    current: Parallelism("spec.parallelism when decided."),
    recommended: Parallelism("What the autoscaler wants now (equal to current when it holds or cannot decide)."),
    applied: Type.Boolean({ description: "spec.parallelism was changed to the recommendation." }),
    reason: Type.String({
      description:
        "ScaleUp, ScaleDown, Steady, ScaleDownPending, ManualScaleHold, IneffectiveScaling, or why it could not decide.",
    }),
    message: Type.String({ maxLength: 4096, description: "The decision, in words." }),
    inputs: Optional(AutoscalerInputs),
  },
  { additionalProperties: false, description: "The autoscaler's last evaluation." },
);

/** One parallelism change (by the autoscaler, a dry-run recommendation, or a user) and what it did. */
export const RescaleRecord = Type.Object(
  {
    time: Time,
    from: Parallelism("Parallelism before."),
    to: Parallelism("Parallelism after."),
    trigger: StringEnum(["autoscaler", "dry-run", "manual"], "Who changed it (dry-run: recorded, not applied)."),
    reason: Optional(Type.String({ description: "Why (the decision's reason)." })),
    completedAt: Optional(Time),
    restartSeconds: Optional(Num("Seconds from the change until the job ran again at the new parallelism.")),
    capacityBefore: Optional(Num("Records/s the job could process at full busy before the change.")),
    expectedCapacity: Optional(Num("Records/s expected after (linear scaling).")),
    observedCapacity: Optional(Num("Records/s measured one metric window after the change.")),
    effectiveness: Optional(Num("Observed gain / expected gain (1 = as expected).")),
    effective: Optional(
      Type.Boolean({
        description: "False: the gain fell short; further scale-ups past `from` are blocked for a while.",
      }),
    ),
  },
  { additionalProperties: false, description: "One parallelism change and what it did." },
);

export const AutoscalerStatus = Type.Object(
  {
    dryRun: Optional(Type.Boolean({ description: "Decisions are recorded, never applied." })),
    lastDecision: Optional(AutoscalerDecision),
    observedParallelism: Optional(
      Parallelism("spec.parallelism the autoscaler last saw; a different value means a manual scale."),
    ),
    observedSince: Optional(Time),
    pendingScaleDown: Optional(
      Type.Object(
        { since: Time, parallelism: Parallelism("Highest scale-down recommendation since `since`.") },
        { additionalProperties: false, description: "A scale-down waiting for the stabilization window." },
      ),
    ),
    history: Optional(Type.Array(RescaleRecord, { maxItems: 10, description: "The last rescales, newest last." })),
    conditions: Optional(
      Type.Array(Condition, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        description: "AutoscalerReady: False says why the autoscaler cannot decide.",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The autoscaler's last decision, pending scale-down and rescale history.",
  },
);

export type AutoscalerStatus = Static<typeof AutoscalerStatus>;
export type AutoscalerDecision = Static<typeof AutoscalerDecision>;
export type AutoscalerInputs = Static<typeof AutoscalerInputs>;
export type RescaleRecord = Static<typeof RescaleRecord>;
