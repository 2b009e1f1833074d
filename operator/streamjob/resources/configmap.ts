import { createHash } from "node:crypto";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { Value } from "@sinclair/typebox/value";
import yaml from "js-yaml";
import { API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import {
  SinkSpec,
  SourceSpec,
  type StreamJobSpec,
  StreamJobSpecSchema,
} from "../../../runtime/contract/spec/schema.js";
import { childMeta, childNames, type StreamJob } from "../job.js";
import { SPEC_FILE } from "./pod.js";

/** The spec with the schema's defaults filled in: what the job really runs with, visible to users. */
export function resolvedSpec(job: StreamJob): StreamJobSpec {
  const spec = Value.Default(StreamJobSpecSchema, structuredClone(job.spec)) as StreamJobSpec;
  // TypeBox does not descend into Record values whose schema has no default of its own.
  const { sources = {}, sinks = {} } = spec; // a sql job has neither
  for (const [name, source] of Object.entries(sources))
    sources[name] = Value.Default(SourceSpec, source) as typeof source;
  for (const [name, sink] of Object.entries(sinks)) sinks[name] = Value.Default(SinkSpec, sink) as typeof sink;
  return spec;
}

/** The manifest `sabot coordinator` reads: the same shape as a file given to `sabot run`. */
export function resolvedManifestYaml(job: StreamJob): string {
  const manifest = {
    apiVersion: API_VERSION,
    kind: "StreamJob",
    metadata: { name: job.metadata.name, namespace: job.metadata.namespace },
    spec: resolvedSpec(job),
  };
  return yaml.dump(manifest, { lineWidth: 120, noRefs: true, sortKeys: true });
}

/**
 * Spec fields the operator reads and the pods do not: a change of one alone must not roll the
 * pods (the lifecycle decides if and how the job is redeployed: with a savepoint, scaled to zero,
 * restoring another folder; the others are the operator's schedules and the autoscaler's policy).
 */
export const OPERATOR_ONLY_FIELDS = [
  "state",
  "upgradeMode",
  "rollback",
  "upgradeTimeout",
  "savepointTimeout",
  "savepointFallback",
  "restoreFrom",
  "savepointInterval",
  "savepointRetain",
  "autoscaler",
  "ingress",
] as const;

/** The spec without OPERATOR_ONLY_FIELDS: two specs that agree here run the same pods. */
export function runtimeSpec(spec: StreamJobSpec): Partial<StreamJobSpec> {
  const copy: Partial<StreamJobSpec> = { ...spec };
  for (const f of OPERATOR_ONLY_FIELDS) delete copy[f];
  return copy;
}

/** Short hash of the resolved spec; a pod-template annotation, so a spec change rolls the pods. */
export function specHash(job: StreamJob): string {
  const manifest = { ...job, spec: runtimeSpec(resolvedSpec(job)) as StreamJobSpec };
  return createHash("sha256").update(resolvedManifestYaml(manifest)).digest("hex").slice(0, 16);
}

export function buildConfigMap(job: StreamJob): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...childMeta(job, childNames(job).configMap, "config"),
      annotations: { "sabot.dev/spec-hash": specHash(job) },
    },
    data: { [SPEC_FILE]: resolvedManifestYaml(job) },
  };
}
