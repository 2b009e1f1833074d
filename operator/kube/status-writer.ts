import { ApiException, type CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { TSchema } from "@sinclair/typebox";
import type { ObjectRef } from "./object-ref.js";
import { sameJson } from "./same-json.js";
import { wholeValue } from "./whole-value.js";

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * The operator's one way to write `status`: a JSON merge patch of the status subresource.
 *
 * Several writers share a StreamJob's status: the reconciler (all of it), the job observer
 * (`metrics`, `lastCheckpoint`) and the autoscaler (`autoscaler`). A merge patch touches only the
 * fields it names, so writers of disjoint fields never need to read-modify-write nor retry each
 * other (`merge`). A writer whose new status is decided from the status it read (`replace`) puts
 * that object's metadata.resourceVersion into the patch: the API server then refuses it with 409
 * Conflict when anything changed since the read, and the caller retries from the newer object,
 * just as an update (PUT) would. Replace semantics come from the schema: every field it knows and
 * the new status lacks is sent as null, so nothing stale survives the merge.
 */
/** What `replaceIfChanged` did. */
export type StatusWrite = "unchanged" | "written" | "gone";

export class StatusWriter {
  constructor(private readonly custom: CustomObjectsApi) {}

  /**
   * The whole status becomes `status`, provided the object is still at `resourceVersion` (else the
   * ApiException 409 is thrown). False when the object is gone.
   */
  replace(ref: ObjectRef, resourceVersion: string | undefined, schema: TSchema, status: object): Promise<boolean> {
    const metadata = resourceVersion === undefined ? {} : { metadata: { resourceVersion } };
    return this.patch(ref, { ...metadata, status: wholeValue(schema, status) });
  }

  /**
   * `replace`, unless `status` already is the status of `read` (the object as the informer holds
   * it): then nothing is sent. Most reconciles are woken by a change that leaves the status as it
   * was (the operator's own last write, a child's status), so this saves a request per reconcile.
   * Equal means equal as JSON (sameJson): a condition whose status did not change keeps its
   * lastTransitionTime (conditions.ts), so it compares equal too.
   */
  async replaceIfChanged(
    ref: ObjectRef,
    read: { metadata?: { resourceVersion?: string }; status?: object },
    schema: TSchema,
    status: object,
  ): Promise<StatusWrite> {
    if (sameJson(read.status, status)) return "unchanged";
    return (await this.replace(ref, read.metadata?.resourceVersion, schema, status)) ? "written" : "gone";
  }

  /** Sets `fields` of the status, whatever else changed meanwhile: for a writer that alone owns them. False when the object is gone. */
  merge(ref: ObjectRef, fields: Record<string, unknown>): Promise<boolean> {
    return this.patch(ref, { status: fields });
  }

  /** Replaces one field of the status as a whole (no stale nested field survives), like `merge`. */
  replaceField(ref: ObjectRef, field: string, schema: TSchema, value: object): Promise<boolean> {
    return this.merge(ref, { [field]: wholeValue(schema, value) });
  }

  private async patch(ref: ObjectRef, body: object): Promise<boolean> {
    try {
      await this.custom.patchNamespacedCustomObjectStatus({ ...ref, body }, MERGE);
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw err;
    }
  }
}
