import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { mergeConditions } from "../../../operator/controller/conditions.js";
import { computeStatus, SUSPENDED_WITHOUT_SAVEPOINT } from "../../../operator/controller/job-status.js";
import type { StreamJobStatus } from "../../../operator/crd/status.js";
import { streamJob } from "../resources/fixtures.js";

const T0 = new Date("2026-01-01T00:00:00.123Z");
const T1 = new Date("2026-01-01T00:05:00Z");

function workers(replicas: number, ready: number, generation = 1, observed = generation): V1StatefulSet {
  return {
    metadata: { generation },
    status: { replicas, readyReplicas: ready, updatedReplicas: replicas, observedGeneration: observed },
  };
}
function coordinator(available: boolean, replicas = 1): V1Deployment {
  return { status: { replicas, conditions: [{ type: "Available", status: available ? "True" : "False" }] } };
}
const cond = (s: StreamJobStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe("mergeConditions", () => {
  it("keeps lastTransitionTime while the status holds and moves it when the status changes", () => {
    const first = mergeConditions(undefined, [{ type: "Ready", status: "False", reason: "Deploying", message: "" }], T0);
    expect(first[0]!.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    const same = mergeConditions(first, [{ type: "Ready", status: "False", reason: "StillDeploying", message: "x" }], T1);
    expect(same[0]).toMatchObject({ reason: "StillDeploying", lastTransitionTime: "2026-01-01T00:00:00Z" });
    const flipped = mergeConditions(same, [{ type: "Ready", status: "True", reason: "JobRunning", message: "" }], T1);
    expect(flipped[0]!.lastTransitionTime).toBe("2026-01-01T00:05:00Z");
  });
});

describe("computeStatus", () => {
  const job = { ...streamJob("j", { parallelism: 3 }), metadata: { name: "j", namespace: "ns", uid: "u", generation: 4 } };

  it("is Deploying until all workers are ready and the coordinator is available", () => {
    const cases: [V1StatefulSet | undefined, V1Deployment | undefined, string][] = [
      [undefined, undefined, "Deploying"],
      [workers(3, 2), coordinator(true), "Deploying"],
      [workers(3, 3), coordinator(false), "Deploying"],
      [workers(3, 3, 2, 1), coordinator(true), "Deploying"], // the StatefulSet controller has not seen the new spec
      [workers(3, 3), coordinator(true), "Running"],
    ];
    for (const [w, c, phase] of cases) expect(computeStatus(job, { issues: [], workers: w, coordinator: c }, T0).status.phase).toBe(phase);
  });

  it("reports Running with parallelism, observedGeneration and conditions", () => {
    const { status } = computeStatus(job, { issues: [], workers: workers(3, 3), coordinator: coordinator(true) }, T0);
    expect(status).toMatchObject({ phase: "Running", observedGeneration: 4, parallelism: 3, desiredParallelism: 3 });
    expect(cond(status, "Ready")).toMatchObject({ status: "True", reason: "JobRunning" });
    expect(cond(status, "Progressing")).toMatchObject({ status: "False" });
    expect(cond(status, "Degraded")).toMatchObject({ status: "False" });
  });

  it("fails an invalid spec with every issue in status.error", () => {
    const issues = [
      { path: "spec.pipeline[0].aggregate", message: "aggregate needs a window in the same step" },
      { path: "spec.sinks.out", message: "unknown field" },
    ];
    const { status } = computeStatus(job, { issues }, T0);
    expect(status.phase).toBe("Failed");
    expect(status.error).toContain("spec.pipeline[0].aggregate: aggregate needs a window in the same step");
    expect(status.error).toContain("spec.sinks.out: unknown field");
    expect(cond(status, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(cond(status, "Degraded")).toMatchObject({ status: "True", reason: "InvalidSpec" });
  });

  it("is Suspending until scaled to zero, then Suspended saying there was no savepoint", () => {
    const suspended = { ...job, spec: { ...job.spec, state: "suspended" as const } };
    expect(computeStatus(suspended, { issues: [], workers: workers(3, 3), coordinator: coordinator(true) }, T0).status.phase).toBe("Suspending");
    const { status } = computeStatus(suspended, { issues: [], workers: workers(0, 0), coordinator: coordinator(false, 0) }, T0);
    expect(status).toMatchObject({ phase: "Suspended", parallelism: 0, desiredParallelism: 0 });
    expect(cond(status, "Ready")!.message).toBe(SUSPENDED_WITHOUT_SAVEPOINT);
  });

  it("keeps what other writers put in status (checkpoint, metrics)", () => {
    const withStatus = { ...job, status: { lastCheckpoint: { path: "s3://b/c", time: "2026-01-01T00:00:00Z" }, metrics: { consumerLag: 5 } } };
    const { status } = computeStatus(withStatus, { issues: [] }, T0);
    expect(status.lastCheckpoint?.path).toBe("s3://b/c");
    expect(status.metrics?.consumerLag).toBe(5);
  });
});
