import { API_GROUP } from "../../runtime/contract/spec/manifest.js";

/** A custom object, as the CustomObjectsApi's calls name it. */
export interface ObjectRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/** One of Sabot's own objects (a StreamJob, a Checkpoint). */
export function sabotObject(plural: "streamjobs" | "checkpoints", namespace: string, name: string): ObjectRef {
  return { group: API_GROUP, version: "v1alpha1", plural, namespace, name };
}
