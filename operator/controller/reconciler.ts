import {
  ApiException,
  type CustomObjectsApi,
  type KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  type V1StatefulSet,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP } from "../../runtime/spec/manifest.js";
import { checkSpecShape } from "../../runtime/spec/validate-shape.js";
import type { StreamJobStatus } from "../crd/status.js";
import { buildChildren } from "../resources/children.js";
import { asStreamJob, childNames, MANAGED_BY, type StreamJob } from "../resources/job.js";
import type { OperatorSettings } from "../resources/settings.js";
import type { EventRecorder } from "./events.js";
import { computeStatus } from "./job-status.js";

export const FIELD_MANAGER = MANAGED_BY;

/** Where the reconciler reads the job and its children: the informers' caches. */
export interface Caches {
  job(namespace: string, name: string): StreamJob | undefined;
  workers(namespace: string, name: string): V1StatefulSet | undefined;
  coordinator(namespace: string, name: string): V1Deployment | undefined;
}

export type ReconcileResult = "success" | "deleted";

/** Status fields compared to decide whether to write (transition times are derived, not compared). */
function sameStatus(a: StreamJobStatus | undefined, b: StreamJobStatus): boolean {
  const strip = (s: StreamJobStatus | undefined) =>
    JSON.stringify({ ...s, conditions: s?.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) });
  return strip(a) === strip(b);
}

/** One StreamJob, from spec to children to status; idempotent, so any event may trigger it. */
export class StreamJobReconciler {
  constructor(
    private readonly objects: KubernetesObjectApi,
    private readonly custom: CustomObjectsApi,
    private readonly caches: Caches,
    private readonly events: EventRecorder,
    private readonly settings: OperatorSettings,
    private readonly log: Logger,
  ) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const cached = this.caches.job(namespace, name);
    if (!cached || cached.metadata.deletionTimestamp) return "deleted"; // children go with it (owner references)
    const job = asStreamJob(cached);

    const issues = checkSpecShape(job.spec);
    if (issues.length === 0) {
      for (const child of buildChildren(job, this.settings))
        await this.objects.patch(child, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    }
    const names = childNames(job);
    const { status, message } = computeStatus(
      job,
      { issues, workers: this.caches.workers(namespace, names.workers), coordinator: this.caches.coordinator(namespace, names.coordinator) },
      new Date(),
    );
    if (sameStatus(job.status, status)) return "success";

    // replace (not patch) carries the resourceVersion: a concurrent change answers 409 and the queue retries.
    try {
      await this.custom.replaceNamespacedCustomObjectStatus({
        group: API_GROUP,
        version: "v1alpha1",
        namespace,
        plural: "streamjobs",
        name,
        body: { ...job, status },
      });
    } catch (err) {
      // Deleted since the cache saw it: nothing left to report on.
      if (err instanceof ApiException && err.code === 404) return "deleted";
      throw err;
    }
    const from = job.status?.phase;
    if (from !== status.phase) {
      this.log.info({ job: key, from, to: status.phase }, message);
      await this.events.record(job, status.phase === "Failed" ? "Warning" : "Normal", status.phase ?? "Unknown", `${from ?? "new"} → ${status.phase}: ${message}`);
    }
    return "success";
  }
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiException && err.code === 409;
}
