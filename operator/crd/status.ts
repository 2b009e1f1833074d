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
    observedGeneration: Optional(Type.Integer({ minimum: 0 })),
    lastTransitionTime: Time,
    reason: Type.String({ minLength: 1, maxLength: 1024, pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$" }),
    message: Type.String({ maxLength: 32768 }),
  },
  { additionalProperties: false },
);

export const MetricsSummary = Type.Object(
  {
    recordsInPerSecond: Optional(Type.Number({ minimum: 0 })),
    recordsOutPerSecond: Optional(Type.Number({ minimum: 0 })),
    consumerLag: Optional(Type.Integer({ minimum: 0, description: "Kafka records not yet read, over all sources." })),
    updatedAt: Optional(Time),
  },
  { additionalProperties: false, description: "Summary of the running job's metrics." },
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
        { path: Type.String(), time: Time },
        { additionalProperties: false, description: "The last completed checkpoint or savepoint." },
      ),
    ),
    metrics: Optional(MetricsSummary),
    // The autoscaler's decision record is defined by the autoscaler work; kept as written until then.
    autoscaler: Optional(
      Type.Unsafe<Record<string, unknown>>({
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        description: "The autoscaler's last decision.",
      }),
    ),
    error: Optional(Type.String({ description: "Why the job failed, in words a user can act on." })),
  },
  { additionalProperties: false },
);

export const CheckpointType = StringEnum(["savepoint", "checkpoint"], "A user savepoint or a periodic checkpoint.");

export const CheckpointSpec = Type.Object(
  {
    jobRef: Type.Object(
      { name: Type.String({ minLength: 1, description: "A StreamJob in this namespace." }) },
      { additionalProperties: false },
    ),
    type: Optional(CheckpointType),
    disposeOnDelete: Optional(
      Type.Boolean({ default: false, description: "Delete the files from storage when this object is deleted." }),
    ),
    backoffLimit: Optional(
      Type.Integer({ minimum: 0, default: 3, description: "Retries, with exponential backoff, before Failed." }),
    ),
  },
  { additionalProperties: false },
);

export const CheckpointPhase = StringEnum(
  ["Pending", "InProgress", "Completed", "Failed", "Abandoned"],
  "Pending → InProgress → Completed | Failed | Abandoned.",
);

export const CheckpointStatus = Type.Object(
  {
    phase: Optional(CheckpointPhase),
    failedAttempts: Optional(Type.Integer({ minimum: 0 })),
    path: Optional(Type.String({ description: "Where the checkpoint is stored (s3://… or file://…)." })),
    sizeBytes: Optional(Type.Integer({ minimum: 0 })),
    durationMs: Optional(Type.Integer({ minimum: 0 })),
    checkpointId: Optional(Type.Integer({ minimum: 0 })),
    jobGeneration: Optional(Type.Integer({ minimum: 0, description: "The StreamJob generation it was taken from." })),
    error: Optional(Type.String({ description: "Why the last attempt failed." })),
  },
  { additionalProperties: false },
);

export type StreamJobStatus = Static<typeof StreamJobStatus>;
export type StreamJobPhase = Static<typeof StreamJobPhase>;
export type Condition = Static<typeof Condition>;
export type CheckpointSpec = Static<typeof CheckpointSpec>;
export type CheckpointStatus = Static<typeof CheckpointStatus>;
export type CheckpointPhase = Static<typeof CheckpointPhase>;
