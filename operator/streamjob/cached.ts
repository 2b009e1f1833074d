import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { defined, pickKeys, trimMetadata } from "../kube/trim.js";
import { JOB_LABEL, type StreamJob } from "./job.js";
import { CHILDREN_HASH } from "./resources/children.js";

/** The pod template's annotation that changes with everything its pods run (resources/workers.ts, coordinator.ts). */
export const SPEC_HASH = "sabot.dev/spec-hash";

/**
 * A job's StatefulSet or Deployment as the informers keep it: what the reconciler reads to tell
 * whether the children are the current deployment and ready (job-status.ts clusterView), whether
 * they need applying (CHILDREN_HASH) and whose they are (JOB_LABEL). A V1StatefulSet or
 * V1Deployment is one too, so tests may pass the objects the builders make.
 */
export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string }[];
  };
}

/**
 * The informers' transform for StatefulSets and Deployments: of an object of several KiB (a whole
 * pod template, managedFields of the operator's apply and of the controller's status updates)
 * about a dozen fields remain.
 */
export function cachedWorkload(o: V1StatefulSet | V1Deployment): Workload {
  const template = o.spec?.template.metadata?.annotations?.[SPEC_HASH];
  const m = o.metadata;
  const s = o.status;
  return defined({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata:
      m &&
      defined({
        name: m.name,
        namespace: m.namespace,
        resourceVersion: m.resourceVersion,
        generation: m.generation,
        labels: pickKeys(m.labels, [JOB_LABEL]),
        annotations: pickKeys(m.annotations, [CHILDREN_HASH]),
      }),
    spec:
      o.spec &&
      defined({
        replicas: o.spec.replicas,
        template: template === undefined ? {} : { metadata: { annotations: { [SPEC_HASH]: template } } },
      }),
    status:
      s &&
      defined({
        observedGeneration: s.observedGeneration,
        replicas: s.replicas,
        readyReplicas: s.readyReplicas,
        updatedReplicas: s.updatedReplicas,
        availableReplicas: s.availableReplicas,
        conditions: s.conditions?.map((c) => ({ type: c.type, status: c.status })),
      }),
  });
}

/**
 * The informers' transform for StreamJobs: spec and status whole (the lifecycle reads all of
 * them), metadata trimmed (no managedFields, labels or annotations: kubectl apply's
 * last-applied-configuration alone is a second copy of the spec).
 */
export function cachedStreamJob(o: StreamJob): StreamJob {
  return defined({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: trimMetadata(o.metadata) as StreamJob["metadata"],
    spec: o.spec,
    status: o.status,
  });
}
