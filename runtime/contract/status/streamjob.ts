import { type Static, Type } from "@sinclair/typebox";
import { AutoscalerStatus } from "./autoscaler.js";
import { Condition } from "./condition.js";
import { Optional, StringEnum, Time } from "./fields.js";

/**
 * What the operator writes under `status` of StreamJobs (the Checkpoint's is in checkpoint.ts).
 * The StreamJob spec is in ../spec/schema.ts. The CRDs in crds/ are generated from both.
 */

export const StreamJobPhase = StringEnum(
  ["Pending", "Deploying", "Running", "Upgrading", "Suspending", "Suspended", "Failed", "Completed"],
  "Where the job is in its lifecycle.",
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
    phase: StringEnum(
      ["Savepointing", "Deploying"],
      "Savepointing: stop-with-savepoint in flight; Deploying: waiting for the new pods.",
    ),
    targetGeneration: Type.Integer({ minimum: 0, description: "The generation being rolled out." }),
    startedAt: Time,
    phaseStartedAt: Time,
    savepointId: Optional(Type.Integer({ minimum: 0, description: "The savepoint being taken (coordinator id)." })),
    restoreFrom: Optional(Type.String({ description: "Where the new deployment restores from." })),
    fallback: Optional(
      Type.String({ description: "Why the savepoint was replaced by a checkpoint (spec.savepointFallback)." }),
    ),
  },
  { additionalProperties: false, description: "The lifecycle operation in progress, if any." },
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
      Type.String({
        description:
          "The spec the running pods were built from, as JSON (an upgrade is pending while it differs from spec).",
      }),
    ),
    lastStableSpec: Optional(
      Type.String({
        description: "The last spec that reached Running and stayed ready, as JSON; the target of a rollback.",
      }),
    ),
    restoreFrom: Optional(
      Type.String({
        description: "Where the current deployment restores its state from (SABOT_RESTORE_FROM of the coordinator).",
      }),
    ),
    deployedAt: Optional(
      Type.String({
        format: "date-time",
        description: "When lastReconciledSpec was deployed; the readiness timeout counts from here.",
      }),
    ),
    lastSavepoint: Optional(
      Type.Object(
        {
          id: Type.Integer({ minimum: 0, description: "Savepoint id (coordinator)." }),
          path: Type.String({ description: "Storage URL of the savepoint folder." }),
          time: Time,
          reason: Optional(Type.String({ description: "What it was taken for." })),
        },
        {
          additionalProperties: false,
          description: "The last savepoint the operator took (suspend, upgrade, delete).",
        },
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
    webUrl: Optional(
      Type.String({
        description:
          "The job's web UI: at spec.ingress's host when set, else the coordinator Service's ui port inside the cluster (`sabot ui <job>` port-forwards to it).",
      }),
    ),
    selector: Optional(
      Type.String({
        description:
          "Label selector of the job's worker pods (the scale subresource's labelSelectorPath, for HPA and KEDA).",
      }),
    ),
  },
  { additionalProperties: false, description: "What the operator observed and is doing." },
);

export type StreamJobStatus = Static<typeof StreamJobStatus>;
export type StreamJobPhase = Static<typeof StreamJobPhase>;
export type UpgradeStatus = Static<typeof UpgradeStatus>;
