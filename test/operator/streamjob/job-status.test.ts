import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { mergeConditions } from "../../../operator/kube/conditions.js";
import { cachedWorkload } from "../../../operator/streamjob/cached.js";
import { clusterView, composeStatus } from "../../../operator/streamjob/job-status.js";
import { buildCoordinatorDeployment } from "../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { buildWorkerStatefulSet } from "../../../operator/streamjob/resources/workers.js";
import { HEALTHY } from "../../../operator/streamjob/states/steps.js";
import { cond, type Step } from "../../../operator/streamjob/states/types.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { streamJob } from "./resources/fixtures.js";

const T0 = new Date("2026-01-01T00:00:00.123Z");
const T1 = new Date("2026-01-01T00:05:00Z");
const settings = operatorSettings();
const job = {
  ...streamJob("j", { parallelism: 3 }),
  metadata: { name: "j", namespace: "ns", uid: "u", generation: 4 },
};
const desired = {
  workers: buildWorkerStatefulSet(job, settings),
  coordinator: buildCoordinatorDeployment(job, settings, { restoreFrom: "s3://b/sp-1" }),
};

/** A child as the informer would show it: the desired object with a status. */
function workers(
  ready: number,
  o: { replicas?: number; generation?: number; observed?: number; from?: V1StatefulSet } = {},
): V1StatefulSet {
  const base = o.from ?? desired.workers;
  const replicas = o.replicas ?? base.spec!.replicas!;
  return {
    ...base,
    metadata: { ...base.metadata, generation: o.generation ?? 1 },
    status: {
      replicas,
      readyReplicas: ready,
      updatedReplicas: replicas,
      observedGeneration: o.observed ?? o.generation ?? 1,
    },
  };
}
function coordinator(available: boolean, from: V1Deployment = desired.coordinator): V1Deployment {
  return {
    ...from,
    metadata: { ...from.metadata, generation: 1 },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: available ? 1 : 0,
      conditions: [{ type: "Available", status: available ? "True" : "False" }],
    },
  };
}

describe("mergeConditions", () => {
  it("keeps lastTransitionTime while the status holds and moves it when the status changes", () => {
    const first = mergeConditions(
      undefined,
      [{ type: "Ready", status: "False", reason: "Deploying", message: "" }],
      T0,
    );
    expect(first[0]!.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    const same = mergeConditions(
      first,
      [{ type: "Ready", status: "False", reason: "StillDeploying", message: "x" }],
      T1,
    );
    expect(same[0]).toMatchObject({ reason: "StillDeploying", lastTransitionTime: "2026-01-01T00:00:00Z" });
    const flipped = mergeConditions(same, [{ type: "Ready", status: "True", reason: "JobRunning", message: "" }], T1);
    expect(flipped[0]!.lastTransitionTime).toBe("2026-01-01T00:05:00Z");
  });
});

describe("clusterView", () => {
  const old = { ...job, spec: { ...job.spec, parallelism: 2 } };
  it.each([
    ["no children yet", undefined, undefined, false],
    ["a worker not ready", workers(2), coordinator(true), false],
    ["the coordinator not available", workers(3), coordinator(false), false],
    [
      "the StatefulSet controller has not seen the new spec",
      workers(3, { generation: 2, observed: 1 }),
      coordinator(true),
      false,
    ],
    [
      "a cache still holding the old workers (other template)",
      workers(2, { from: buildWorkerStatefulSet(old, settings) }),
      coordinator(true),
      false,
    ],
    [
      "a coordinator without the restore source",
      workers(3),
      coordinator(true, buildCoordinatorDeployment(job, settings)),
      false,
    ],
    ["everything current and ready", workers(3), coordinator(true), true],
  ])("%s → ready %s", (_name, w, c, ready) => {
    expect(clusterView({ workers: w, coordinator: c, desired }).ready).toBe(ready);
    // The same from what the informers keep of each object (cached.ts) and the memo of the desired ones.
    const trimmed = { workers: cachedWorkload(desired.workers), coordinator: cachedWorkload(desired.coordinator) };
    expect(
      clusterView({ workers: w && cachedWorkload(w), coordinator: c && cachedWorkload(c), desired: trimmed }).ready,
    ).toBe(ready);
  });

  it("is scaled down only when the zero-replica templates are current and no pod is left", () => {
    const suspended = { ...job, spec: { ...job.spec, state: "suspended" as const } };
    const zero = {
      workers: buildWorkerStatefulSet(suspended, settings),
      coordinator: buildCoordinatorDeployment(suspended, settings),
    };
    const c0 = (replicas: number): V1Deployment => ({
      ...zero.coordinator,
      metadata: { ...zero.coordinator.metadata, generation: 1 },
      status: { observedGeneration: 1, replicas },
    });
    expect(
      clusterView({ workers: workers(0, { from: zero.workers }), coordinator: c0(0), desired: zero }).scaledDown,
    ).toBe(true);
    expect(
      clusterView({ workers: workers(1, { from: zero.workers, replicas: 1 }), coordinator: c0(0), desired: zero })
        .scaledDown,
    ).toBe(false);
    expect(
      clusterView({ workers: workers(0, { from: zero.workers }), coordinator: c0(1), desired: zero }).scaledDown,
    ).toBe(false);
  });
});

describe("composeStatus", () => {
  const step: Step = {
    phase: "Running",
    status: { lastReconciledSpec: JSON.stringify(job.spec), restoreFrom: "s3://b/sp-1" },
    ready: cond("Ready", "True", "JobRunning", "3 workers ready"),
    progressing: cond("Progressing", "False", "Stable", ""),
    degraded: HEALTHY,
    events: [],
  };

  it("writes the step's lifecycle fields, phase, conditions and parallelism", () => {
    const status = composeStatus(job, step, { workers: workers(3) }, T0);
    expect(status).toMatchObject({
      phase: "Running",
      observedGeneration: 4,
      parallelism: 3,
      desiredParallelism: 3,
      restoreFrom: "s3://b/sp-1",
    });
    expect(status.conditions?.map((c) => c.type)).toEqual(["Ready", "Progressing", "Degraded"]);
    expect(status.conditions?.[0]).toMatchObject({ observedGeneration: 4, lastTransitionTime: "2026-01-01T00:00:00Z" });
  });

  it("shows the autoscaler's AutoscalerReady among the job's conditions while the autoscaler is enabled", () => {
    const ready = {
      type: "AutoscalerReady",
      status: "False",
      reason: "NoPrometheus",
      message: "cannot decide",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    const status = { autoscaler: { conditions: [ready] } } as StreamJobStatus;
    const enabled = { ...job, spec: { ...job.spec, autoscaler: { enabled: true } }, status };
    expect(composeStatus(enabled, step, {}, T0).conditions?.map((c) => c.type)).toEqual([
      "Ready",
      "Progressing",
      "Degraded",
      "AutoscalerReady",
    ]);
    expect(composeStatus(enabled, step, {}, T0).conditions?.[3]).toEqual(ready);
    const disabled = { ...job, spec: { ...job.spec, autoscaler: { enabled: false } }, status };
    expect(composeStatus(disabled, step, {}, T0).conditions?.map((c) => c.type)).toEqual([
      "Ready",
      "Progressing",
      "Degraded",
    ]);
  });

  it("keeps the job observer's Degraded CoordinatorNonsense while its healthy step runs, not once the step is degraded or not running", () => {
    const nonsense = {
      type: "Degraded",
      status: "True" as const,
      reason: "CoordinatorNonsense",
      message: "the coordinator answered nonsense",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    const observed = { ...job, status: { phase: "Running" as const, conditions: [nonsense] } };
    const degradedOf = (s: Step) => composeStatus(observed, s, {}, T1).conditions?.find((c) => c.type === "Degraded");
    expect(degradedOf(step)).toMatchObject({
      status: "True",
      reason: "CoordinatorNonsense",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    });
    const timeout = cond("Degraded", "True", "DeployTimeout", "too slow");
    expect(degradedOf({ ...step, degraded: timeout })).toMatchObject({ reason: "DeployTimeout" });
    expect(degradedOf({ ...step, phase: "Upgrading" })).toMatchObject({ status: "False", reason: "AsExpected" });
  });

  it("keeps what other writers put in status and drops lifecycle fields the step left out", () => {
    const withStatus = {
      ...job,
      status: {
        lastCheckpoint: { path: "s3://b/c", time: "2026-01-01T00:00:00Z" },
        metrics: { consumerLag: 5 },
        error: "old",
        upgrade: undefined,
        lastStableSpec: "{}",
      },
    };
    const status = composeStatus(withStatus, step, {}, T0);
    expect(status.lastCheckpoint?.path).toBe("s3://b/c");
    expect(status.metrics?.consumerLag).toBe(5);
    expect(status.error).toBeUndefined();
    expect(status.lastStableSpec).toBeUndefined();
  });
});
