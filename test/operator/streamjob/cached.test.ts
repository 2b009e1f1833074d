import type { V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { cachedStreamJob, cachedWorkload, SPEC_HASH } from "../../../operator/streamjob/cached.js";
import { DesiredChildrenMemo } from "../../../operator/streamjob/desired-children.js";
import { JOB_LABEL, type StreamJob } from "../../../operator/streamjob/job.js";
import { buildChildren, CHILDREN_HASH } from "../../../operator/streamjob/resources/children.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { specJson } from "../../../operator/streamjob/states/spec.js";
import { streamJob } from "./resources/fixtures.js";

const settings = operatorSettings();
const managedFields = [
  {
    manager: "sabot-operator",
    operation: "Apply",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:spec": { "f:template": {} } },
  },
];

/** The replica counts of a StatefulSet's status, all of which the cache keeps. */
const COUNTS = { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1, observedGeneration: 3 };

/** The worker StatefulSet as the API server would send it: as applied, plus managedFields, owner and status. */
function served(job: StreamJob): V1StatefulSet {
  const sts = buildChildren(job, settings).find((c) => c.kind === "StatefulSet") as V1StatefulSet;
  return {
    ...sts,
    metadata: {
      ...sts.metadata,
      uid: "sts-uid",
      resourceVersion: "42",
      generation: 3,
      managedFields,
      creationTimestamp: new Date(0),
    },
    status: { ...COUNTS, currentRevision: "r1", conditions: [{ type: "X", status: "True", message: "long text" }] },
  };
}

describe("the informers' transforms", () => {
  it("keep of a StatefulSet what the reconciler reads, and no managedFields or pod template", () => {
    const sts = served(streamJob("orders"));
    const cached = cachedWorkload(sts);
    expect(cached).toEqual({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: {
        name: "orders-worker",
        namespace: "team-a",
        resourceVersion: "42",
        generation: 3,
        labels: { [JOB_LABEL]: "orders" },
        annotations: { [CHILDREN_HASH]: sts.metadata!.annotations![CHILDREN_HASH] },
      },
      spec: {
        replicas: 2,
        template: { metadata: { annotations: { [SPEC_HASH]: sts.spec!.template.metadata!.annotations![SPEC_HASH] } } },
      },
      status: { ...COUNTS, conditions: [{ type: "X", status: "True" }] },
    });
    expect(JSON.stringify(cached).length).toBeLessThan(JSON.stringify(sts).length / 4);
  });

  it("keep a StreamJob's spec, status and identity, without managedFields, labels or annotations", () => {
    const job = streamJob("orders");
    const spec = JSON.stringify(job.spec);
    const raw: StreamJob = {
      ...job,
      metadata: {
        ...job.metadata,
        resourceVersion: "7",
        generation: 2,
        deletionTimestamp: new Date(0),
        finalizers: ["sabot.dev/final-savepoint"],
        labels: { team: "a" },
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": spec },
        managedFields,
      },
      status: { phase: "Running", lastReconciledSpec: specJson(job.spec) },
    };
    const cached = cachedStreamJob(raw);
    expect(cached).toEqual({
      apiVersion: job.apiVersion,
      kind: "StreamJob",
      metadata: {
        name: "orders",
        namespace: "team-a",
        uid: "uid-of-orders",
        resourceVersion: "7",
        generation: 2,
        deletionTimestamp: new Date(0),
        finalizers: ["sabot.dev/final-savepoint"],
      },
      spec: raw.spec,
      status: raw.status,
    });
  });
});

describe("DesiredChildrenMemo", () => {
  const deployed = (job: StreamJob, restoreFrom?: string): StreamJob => ({
    ...job,
    status: { lastReconciledSpec: specJson(job.spec), ...(restoreFrom ? { restoreFrom } : {}) },
  });

  it("builds a job's children once per deployment, with the hash and trimmed forms of what it would apply", () => {
    const memo = new DesiredChildrenMemo(settings);
    const job = deployed(streamJob("orders", { parallelism: 3 }));
    expect(memo.of(streamJob("orders"))).toBeUndefined(); // not deployed yet
    const first = memo.of(job)!;
    expect(memo.of({ ...job, status: { ...job.status, phase: "Running" } })).toBe(first);
    const built = memo.build(job);
    expect(first.hash).toBe(built[0]!.metadata!.annotations![CHILDREN_HASH]);
    expect(first.workers).toEqual(cachedWorkload(built.find((c) => c.kind === "StatefulSet") as V1StatefulSet));
    expect(first.workers.spec?.replicas).toBe(3);
  });

  it("builds again when the deployed spec, the restore source or the job's uid changes, and after forget", () => {
    const memo = new DesiredChildrenMemo(settings);
    const job = deployed(streamJob("orders"));
    const first = memo.of(job)!;
    expect(memo.of(deployed(streamJob("orders"), "s3://b/sp-1"))!.hash).not.toBe(first.hash);
    expect(memo.of(deployed(streamJob("orders", { parallelism: 5 })))!.workers.spec?.replicas).toBe(5);
    const recreated = { ...job, metadata: { ...job.metadata, uid: "another" } };
    expect(memo.of(recreated)!.hash).not.toBe(first.hash);
    memo.forget("team-a/orders");
    expect(memo.of(job)).not.toBe(first);
    expect(memo.of(job)!.hash).toBe(first.hash);
  });
});
