import { CheckpointSpec, CheckpointStatus } from "../../runtime/contract/status/checkpoint.js";
import { namespacedCrd } from "./envelope.js";
import { type JsonSchema, toOpenApi } from "./openapi.js";

/** The Checkpoint CustomResourceDefinition: a savepoint request, or a record of a periodic checkpoint. */
export function checkpointCrd(): JsonSchema {
  const spec = toOpenApi(CheckpointSpec as unknown as JsonSchema);
  // A Checkpoint records one snapshot; pointing it at another job or type later would lie about it.
  spec["x-kubernetes-validations"] = [
    { rule: "self == oldSelf", message: "a Checkpoint's spec cannot be changed; create a new Checkpoint" },
  ];
  return namespacedCrd({
    kind: "Checkpoint",
    plural: "checkpoints",
    shortNames: ["sjcp"],
    spec,
    status: toOpenApi(CheckpointStatus as unknown as JsonSchema),
    subresources: { status: {} },
    printerColumns: [
      { name: "Job", type: "string", jsonPath: ".spec.jobRef.name" },
      { name: "Type", type: "string", jsonPath: ".spec.type" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "Path", type: "string", jsonPath: ".status.path", priority: 1 },
      { name: "Size", type: "integer", jsonPath: ".status.sizeBytes", priority: 1 },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}
