import type { V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";
import { API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";

/** A StreamJob as read from the API server. */
export interface StreamJob {
  apiVersion: string;
  kind: "StreamJob";
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: StreamJobSpec;
  status?: StreamJobStatus;
}

export class JobObjectError extends Error {
  override name = "JobObjectError";
}

/** Narrows an object from the API server, failing with what is missing (a builder needs all of it). */
export function asStreamJob(obj: {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: unknown;
}): StreamJob {
  const m = obj.metadata;
  const missing = (["name", "namespace", "uid"] as const).filter((k) => !m?.[k]);
  if (obj.kind !== "StreamJob" || missing.length > 0 || typeof obj.spec !== "object" || obj.spec === null)
    throw new JobObjectError(
      `expected a StreamJob read from the API server (kind, metadata.name/namespace/uid, spec); missing: ${[
        ...(obj.kind === "StreamJob" ? [] : ["kind"]),
        ...missing.map((k) => `metadata.${k}`),
        ...(typeof obj.spec === "object" && obj.spec !== null ? [] : ["spec"]),
      ].join(", ")}`,
    );
  return obj as StreamJob;
}

/** Names of the objects a job owns; one place, so builders and the reconciler agree. */
export function childNames(job: StreamJob) {
  const n = job.metadata.name;
  return {
    configMap: `${n}-spec`,
    coordinator: `${n}-coordinator`,
    workers: `${n}-worker`,
    workersService: `${n}-workers`,
  };
}

export type Component = "coordinator" | "worker" | "config" | "network";

export const JOB_LABEL = "sabot.dev/job";
export const MANAGED_BY = "sabot-operator";

/** The labels that select a component's pods; immutable once a Deployment/StatefulSet exists. */
export function selectorLabels(job: StreamJob, component: Component): Record<string, string> {
  return { [JOB_LABEL]: job.metadata.name, "app.kubernetes.io/component": component };
}

/**
 * status.selector: the worker pods as a label-selector string, the form the scale subresource's
 * labelSelectorPath must point at; HPA and KEDA find the pods whose metrics they average by it.
 */
export function workerSelector(job: StreamJob): string {
  return Object.entries(selectorLabels(job, "worker"))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function labels(job: StreamJob, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/name": "sabot",
    "app.kubernetes.io/instance": job.metadata.name,
    "app.kubernetes.io/part-of": "sabot",
    "app.kubernetes.io/managed-by": MANAGED_BY,
    ...selectorLabels(job, component),
  };
}

/** Makes the job the controller of a child, so deleting the job deletes it (garbage collection). */
export function ownerReference(job: StreamJob): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: "StreamJob",
    name: job.metadata.name,
    uid: job.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function childMeta(
  job: StreamJob,
  name: string,
  component: Component,
): V1ObjectMeta & { name: string; namespace: string } {
  return {
    name,
    namespace: job.metadata.namespace,
    labels: labels(job, component),
    ownerReferences: [ownerReference(job)],
  };
}

/** How every child object starts: its type, then metadata that names it and ties it to the job. */
export function childHead(job: StreamJob, apiVersion: string, kind: string, name: string, component: Component) {
  return { apiVersion, kind, metadata: childMeta(job, name, component) };
}
