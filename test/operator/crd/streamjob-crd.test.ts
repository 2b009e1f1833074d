import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkpointCrd } from "../../../operator/crd/checkpoint-crd.js";
import { streamJobCrd } from "../../../operator/crd/streamjob-crd.js";
import { CRD_FILES, renderCrd } from "../../../operator/crd/write-crds.js";

type Obj = Record<string, unknown>;
const version = (crd: Obj) => ((crd.spec as Obj).versions as Obj[])[0]!;
const schemaOf = (crd: Obj) => ((version(crd).schema as Obj).openAPIV3Schema as Obj).properties as Record<string, Obj>;

describe("generated CRDs", () => {
  it.each(CRD_FILES.map((f) => f.file))(
    "committed crds/%s matches its schemas (run `npm run crds` to update)",
    (file) => {
      const committed = readFileSync(new URL(`../../../crds/${file}`, import.meta.url), "utf8");
      expect(committed).toBe(renderCrd(file));
    },
  );

  it.each(CRD_FILES.map((f) => f.file))("crds/%s has no JSON-Schema-only keywords Kubernetes rejects", (file) => {
    const text = renderCrd(file);
    for (const word of ["patternProperties", "$id", "additionalProperties: false", "format: duration", "[Kind]"])
      expect(text).not.toContain(word);
  });
});

describe("StreamJob CRD", () => {
  it("has a typed status with the lifecycle phases and standard conditions", () => {
    const status = schemaOf(streamJobCrd()).status!;
    const props = status.properties as Record<string, Obj>;
    expect((props.phase!.enum as string[]).sort()).toEqual([
      "Completed",
      "Deploying",
      "Failed",
      "Pending",
      "Running",
      "Suspended",
      "Suspending",
      "Upgrading",
    ]);
    expect(props.conditions!["x-kubernetes-list-map-keys"]).toEqual(["type"]);
    expect(((props.conditions!.items as Obj).required as string[]).sort()).toEqual([
      "lastTransitionTime",
      "message",
      "reason",
      "status",
      "type",
    ]);
    // The autoscaler's record is typed (no preserve-unknown-fields): decision, bounded history, condition.
    const autoscaler = props.autoscaler!.properties as Record<string, Obj>;
    expect(props.autoscaler!["x-kubernetes-preserve-unknown-fields"]).toBeUndefined();
    expect(Object.keys(autoscaler)).toEqual(
      expect.arrayContaining(["dryRun", "lastDecision", "history", "pendingScaleDown", "conditions"]),
    );
    expect(autoscaler.history!.maxItems).toBe(10);
    expect(Object.keys(props)).toEqual(
      expect.arrayContaining([
        "observedGeneration",
        "parallelism",
        "desiredParallelism",
        "lastCheckpoint",
        "metrics",
        "error",
      ]),
    );
  });

  it("shows phase, parallelism, lag, last checkpoint age and age; scales through spec.parallelism", () => {
    const v = version(streamJobCrd());
    const cols = (v.additionalPrinterColumns as Obj[]).filter((c) => c.priority === undefined);
    expect(cols.map((c) => [c.name, c.jsonPath])).toEqual([
      ["Phase", ".status.phase"],
      ["Parallelism", ".status.parallelism"],
      ["Lag", ".status.metrics.consumerLag"],
      ["Last Checkpoint", ".status.lastCheckpoint.time"],
      ["Age", ".metadata.creationTimestamp"],
    ]);
    expect((v.subresources as Obj).scale).toEqual({
      specReplicasPath: ".spec.parallelism",
      statusReplicasPath: ".status.parallelism",
      labelSelectorPath: ".status.selector",
    });
  });
});

describe("Checkpoint CRD", () => {
  it("has spec.jobRef, type, disposeOnDelete, backoffLimit and an immutable spec", () => {
    const spec = schemaOf(checkpointCrd()).spec!;
    expect(spec.required).toEqual(["jobRef"]);
    const props = spec.properties as Record<string, Obj>;
    expect(props.type!.enum).toEqual(["savepoint", "checkpoint"]);
    expect(props.backoffLimit).toMatchObject({ type: "integer", minimum: 0, default: 3 });
    expect(props.disposeOnDelete).toMatchObject({ type: "boolean", default: false });
    expect(spec["x-kubernetes-validations"]).toEqual([expect.objectContaining({ rule: "self == oldSelf" })]);
  });

  it("has a status with phase, attempts and the result", () => {
    const status = schemaOf(checkpointCrd()).status!;
    const props = status.properties as Record<string, Obj>;
    expect(props.phase!.enum).toEqual(["Pending", "InProgress", "Completed", "Failed", "Abandoned"]);
    expect(Object.keys(props).sort()).toEqual([
      "checkpointId",
      "completedAt",
      "durationMs",
      "error",
      "failedAttempts",
      "jobGeneration",
      "path",
      "phase",
      "retryAt",
      "sizeBytes",
      "startedAt",
      "storageSecret",
    ]);
    expect(version(checkpointCrd()).subresources).toEqual({ status: {} });
  });
});
