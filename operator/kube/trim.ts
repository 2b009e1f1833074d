import type { V1ObjectMeta } from "@kubernetes/client-node";

/** The label and annotation keys a cache keeps; all others are dropped. */
export interface KeptKeys {
  labels?: readonly string[];
  annotations?: readonly string[];
}

/** Only `keys` of `map`; undefined when none is there, so the cached object carries no empty map. */
export function pickKeys(
  map: Record<string, string> | undefined,
  keys: readonly string[] | undefined,
): Record<string, string> | undefined {
  if (!map || !keys) return undefined;
  let out: Record<string, string> | undefined;
  for (const k of keys) if (map[k] !== undefined) (out ??= {})[k] = map[k];
  return out;
}

/** `o` without its undefined members, so a trimmed object holds no slot for what it dropped. */
export function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * The metadata an informer's cache keeps of an object: its identity, the resourceVersion (the
 * cache compares it, writes are guarded by it), generation, lifetime (creation, deletion,
 * finalizers, owners) and the labels and annotations named in `keep`. Dropped: managedFields
 * (often larger than the object itself: every manager's field set), kubectl's
 * last-applied-configuration (a second copy of the spec) and everything else no reconcile reads.
 */
export function trimMetadata(m: V1ObjectMeta | undefined, keep: KeptKeys = {}): V1ObjectMeta {
  if (!m) return {};
  return defined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
    labels: pickKeys(m.labels, keep.labels),
    annotations: pickKeys(m.annotations, keep.annotations),
  });
}
