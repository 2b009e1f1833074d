import type { CoreV1Api } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { StreamJob } from "../resources/job.js";

export type EventType = "Normal" | "Warning";

/** Records core/v1 Events on StreamJobs, so every operator decision shows in `kubectl describe`. */
export class EventRecorder {
  constructor(
    private readonly core: CoreV1Api,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  /** Best effort: a failed Event must not fail the reconcile that decided something. */
  async record(job: StreamJob, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    const { name, namespace, uid, resourceVersion } = job.metadata;
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${name}.${now.getTime().toString(16)}${randomBytes(2).toString("hex")}`, namespace },
          involvedObject: { apiVersion: API_VERSION, kind: "StreamJob", name, namespace, uid, resourceVersion },
          type,
          reason,
          message,
          source: { component: this.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: this.component,
        },
      });
    } catch (err) {
      this.log.warn({ err, job: `${namespace}/${name}`, reason }, "could not record an Event");
    }
  }
}
