import type { CoreV1Api, V1ObjectMeta } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { API_VERSION } from "../../runtime/contract/spec/manifest.js";

export type EventType = "Normal" | "Warning";

/** What an Event is about: one of this operator's objects (a StreamJob, a Checkpoint). */
export interface EventSubject {
  kind: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
}

/**
 * Records core/v1 Events on the operator's objects, so every decision shows in `kubectl describe`.
 * The one recorder of the operator: the StreamJob reconciler, the Checkpoint reconciler and the
 * autoscaler each hold one, named after their component.
 */
export class EventRecorder {
  constructor(
    private readonly core: CoreV1Api,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  /** Best effort: a failed Event must not fail the reconcile that decided something. */
  async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    const { name, namespace, uid, resourceVersion } = subject.metadata;
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${name}.${now.getTime().toString(16)}${randomBytes(2).toString("hex")}`, namespace },
          involvedObject: { apiVersion: API_VERSION, kind: subject.kind, name, namespace, uid, resourceVersion },
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
      this.log.warn({ err, [subject.kind.toLowerCase()]: `${namespace}/${name}`, reason }, "could not record an Event");
    }
  }
}
