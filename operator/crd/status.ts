import { type Static, Type } from "@sinclair/typebox";

/**
 * What the operator writes under `status` of StreamJobs and Checkpoints, and the Checkpoint spec.
 * The engine owns the StreamJob spec (runtime/spec/schema.ts); the operator owns these. The CRDs
 * in crds/ are generated from them, like the spec.
 */

const StringEnum = <T extends string[]>(values: [...T], description: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: values, description });
const Optional = Type.Optional;
const Time = Type.String({ format: "date-time", description: "RFC 3339 time." });

export const StreamJobPhase = StringEnum(
  ["Pending", "Deploying", "Running", "Upgrading", "Suspending", "Suspended", "Failed", "Completed"],
  "Where the job is in its lifecycle.",
);

/** The shape of metav1.Condition, so kubectl and tools that read conditions understand it. */
export const Condition = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 316, description: "Ready, Progressing or Degraded." }),
    status: StringEnum(["True", "False", "Unknown"], "Whether the condition holds."),
    observedGeneration: Optional(Type.Integer({ minimum: 0, description: "The generation the condition was set for." })),
    lastTransitionTime: Time,
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      description: "Why, as one CamelCase word.",
    }),
    message: Type.String({ maxLength: 32768, description: "Why, in words." }),
  },
  { additionalProperties: false, description: "A metav1.Condition." },
);

export const MetricsSummary = Type.Object(
  {
    recordsInPerSecond: Optional(Type.Number({ minimum: 0, description: "Records the sources read per second." })),
    recordsOutPerSecond: Optional(Type.Number({ minimum: 0, description: "Records the sinks wrote per second." })),
    consumerLag: Optional(Type.Integer({ minimum: 0, description: "Kafka records not yet read, over all sources." })),
    updatedAt: Optional(Time),
  },
  { additionalProperties: false, description: "Summary of the running job's metrics." },
);

/** An operation in flight (upgrade, suspend, rollback, ...): kept in status so a restarted operator resumes it. */
export const UpgradeStatus = Type.Object(
  {
    kind: StringEnum(["upgrade", "suspend", "resume", "rollback", "restore", "delete"], "What the operation is for."),
    mode: StringEnum(["savepoint", "last-state", "stateless"], "How state is carried over."),
    phase: StringEnum(["Savepointing", "Deploying"], "Savepointing: stop-with-savepoint in flight; Deploying: waiting for the new pods."),
    targetGeneration: Type.Integer({ minimum: 0, description: "The generation being rolled out." }),
    startedAt: Time,
    phaseStartedAt: Time,
    savepointId: Optional(Type.Integer({ minimum: 0, description: "The savepoint being taken (coordinator id)." })),
    restoreFrom: Optional(Type.String({ description: "Where the new deployment restores from." })),
    fallback: Optional(Type.String({ description: "Why the savepoint was replaced by a checkpoint (spec.savepointFallback)." })),
  },
  { additionalProperties: false, description: "The lifecycle operation in progress, if any." },
);

const Num = (description: string) => Type.Number({ description });
const Parallelism = (description: string) => Type.Integer({ minimum: 0, description });

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
    targetRate: Optional(Num("Rate to sustain: input, plus lag and restart backlog worked off within catchUpDuration.")),
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
    reason: Type.String({ description: "ScaleUp, ScaleDown, Steady, ScaleDownPending, ManualScaleHold, IneffectiveScaling, or why it could not decide." }),
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
    effective: Optional(Type.Boolean({ description: "False: the gain fell short; further scale-ups past `from` are blocked for a while." })),
  },
  { additionalProperties: false, description: "One parallelism change and what it did." },
);

export const AutoscalerStatus = Type.Object(
  {
    dryRun: Optional(Type.Boolean({ description: "Decisions are recorded, never applied." })),
    lastDecision: Optional(AutoscalerDecision),
    observedParallelism: Optional(Parallelism("spec.parallelism the autoscaler last saw; a different value means a manual scale.")),
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
  { additionalProperties: false, description: "The autoscaler's last decision, pending scale-down and rescale history." },
);

export const StreamJobStatus = Type.Object(
  {
    phase: Optional(StreamJobPhase),
    observedGeneration: Optional(Type.Integer({ minimum: 0, description: "The generation last reconciled." })),
    conditions: Optional(
      Type.Array(Condition, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        description: "Ready, Progressing and Degraded.",
      }),
    ),
    parallelism: Optional(Type.Integer({ minimum: 0, description: "Workers running now." })),
    desiredParallelism: Optional(Type.Integer({ minimum: 0, description: "Workers the job is moving to." })),
    lastCheckpoint: Optional(
      Type.Object(
        { path: Type.String({ description: "Storage URL of the checkpoint or savepoint folder." }), time: Time },
        { additionalProperties: false, description: "The last completed checkpoint or savepoint." },
      ),
    ),
    metrics: Optional(MetricsSummary),
    autoscaler: Optional(AutoscalerStatus),
    error: Optional(Type.String({ description: "Why the job failed, in words a user can act on." })),
    lastReconciledSpec: Optional(
      Type.String({ description: "The spec the running pods were built from, as JSON (an upgrade is pending while it differs from spec)." }),
    ),
    lastStableSpec: Optional(
      Type.String({ description: "The last spec that reached Running and stayed ready, as JSON; the target of a rollback." }),
    ),
    restoreFrom: Optional(
      Type.String({ description: "Where the current deployment restores its state from (SABOT_RESTORE_FROM of the coordinator)." }),
    ),
    deployedAt: Optional(
      Type.String({ format: "date-time", description: "When lastReconciledSpec was deployed; the readiness timeout counts from here." }),
    ),
    lastSavepoint: Optional(
      Type.Object(
        {
          id: Type.Integer({ minimum: 0, description: "Savepoint id (coordinator)." }),
          path: Type.String({ description: "Storage URL of the savepoint folder." }),
          time: Time,
          reason: Optional(Type.String({ description: "What it was taken for." })),
        },
        { additionalProperties: false, description: "The last savepoint the operator took (suspend, upgrade, delete)." },
      ),
    ),
    upgrade: Optional(UpgradeStatus),
    lastUpgradeFailure: Optional(
      Type.Object(
        {
          generation: Type.Integer({ minimum: 0, description: "The generation that failed." }),
          reason: Type.String({ description: "Why, as one CamelCase word." }),
          message: Type.String({ description: "Why, in words." }),
          time: Time,
        },
        {
          additionalProperties: false,
          description: "The last upgrade, suspend or restore that failed; not retried until the spec changes again.",
        },
      ),
    ),
    selector: Optional(
      Type.String({
        description: "Label selector of the job's worker pods (the scale subresource's labelSelectorPath, for HPA and KEDA).",
      }),
    ),
  },
  { additionalProperties: false, description: "What the operator observed and is doing." },
);

export const CheckpointType = StringEnum(["savepoint", "checkpoint"], "A user savepoint or a periodic checkpoint.");

export const CheckpointSpec = Type.Object(
  {
    jobRef: Type.Object(
      { name: Type.String({ minLength: 1, description: "A StreamJob in this namespace." }) },
      { additionalProperties: false, description: "The job to take the savepoint of." },
    ),
    type: Optional(CheckpointType),
    disposeOnDelete: Optional(
      Type.Boolean({ default: false, description: "Delete the files from storage when this object is deleted." }),
    ),
    backoffLimit: Optional(
      Type.Integer({ minimum: 0, default: 3, description: "Retries, with exponential backoff, before Failed." }),
    ),
  },
  { additionalProperties: false, description: "A savepoint to take (type savepoint), or the record of a periodic checkpoint." },
);

export const CheckpointPhase = StringEnum(
  ["Pending", "InProgress", "Completed", "Failed", "Abandoned"],
  "Pending → InProgress → Completed | Failed | Abandoned.",
);

export const CheckpointStatus = Type.Object(
  {
    phase: Optional(CheckpointPhase),
    failedAttempts: Optional(Type.Integer({ minimum: 0, description: "Attempts that failed so far." })),
    path: Optional(Type.String({ description: "Where the checkpoint is stored (s3://… or file://…)." })),
    sizeBytes: Optional(Type.Integer({ minimum: 0, description: "Bytes written." })),
    durationMs: Optional(Type.Integer({ minimum: 0, description: "Milliseconds from trigger to completion." })),
    checkpointId: Optional(Type.Integer({ minimum: 0, description: "The coordinator's id of the snapshot." })),
    jobGeneration: Optional(Type.Integer({ minimum: 0, description: "The StreamJob generation it was taken from." })),
    error: Optional(Type.String({ description: "Why the last attempt failed." })),
    startedAt: Optional(Type.String({ format: "date-time", description: "When the current (or last) attempt started." })),
    retryAt: Optional(Type.String({ format: "date-time", description: "When the next attempt starts, after a failed one." })),
    completedAt: Optional(Type.String({ format: "date-time", description: "When it reached Completed, Failed or Abandoned." })),
    storageSecret: Optional(
      Type.String({ description: "Name of the Secret whose credentials delete the files (disposeOnDelete); never the credentials." }),
    ),
  },
  { additionalProperties: false, description: "Where the savepoint is, and the attempts to take it." },
);

export type StreamJobStatus = Static<typeof StreamJobStatus>;
export type StreamJobPhase = Static<typeof StreamJobPhase>;
export type UpgradeStatus = Static<typeof UpgradeStatus>;
export type Condition = Static<typeof Condition>;
export type AutoscalerStatus = Static<typeof AutoscalerStatus>;
export type AutoscalerDecision = Static<typeof AutoscalerDecision>;
export type AutoscalerInputs = Static<typeof AutoscalerInputs>;
export type RescaleRecord = Static<typeof RescaleRecord>;
export type CheckpointSpec = Static<typeof CheckpointSpec>;
export type CheckpointStatus = Static<typeof CheckpointStatus>;
export type CheckpointPhase = Static<typeof CheckpointPhase>;
