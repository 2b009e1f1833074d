import { type Static, Type } from "@sinclair/typebox";
import { Optional, StringEnum } from "./fields.js";

/** The Checkpoint CRD: its spec and what the operator writes under its status. */

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
  {
    additionalProperties: false,
    description: "A savepoint to take (type savepoint), or the record of a periodic checkpoint.",
  },
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
    startedAt: Optional(
      Type.String({ format: "date-time", description: "When the current (or last) attempt started." }),
    ),
    retryAt: Optional(
      Type.String({ format: "date-time", description: "When the next attempt starts, after a failed one." }),
    ),
    completedAt: Optional(
      Type.String({ format: "date-time", description: "When it reached Completed, Failed or Abandoned." }),
    ),
    storageSecret: Optional(
      Type.String({
        description: "Name of the Secret whose credentials delete the files (disposeOnDelete); never the credentials.",
      }),
    ),
  },
  { additionalProperties: false, description: "Where the savepoint is, and the attempts to take it." },
);

export type CheckpointSpec = Static<typeof CheckpointSpec>;
export type CheckpointStatus = Static<typeof CheckpointStatus>;
export type CheckpointPhase = Static<typeof CheckpointPhase>;
