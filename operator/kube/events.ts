import { randomBytes } from "node:crypto";
import {
  ApiException,
  type CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION } from "../../runtime/contract/spec/manifest.js";
import { kubeTime } from "./conditions.js";
import { DEFAULT_EVENT_LIMITS, type EventLimits, LruMap, PerObjectBuckets } from "./event-limits.js";
import { eventObjectKey, type RecentEvents, recentEvents } from "./recent-events.js";

export type EventType = "Normal" | "Warning";

/** What an Event is about: one of this operator's objects (a StreamJob, a Checkpoint). */
export interface EventSubject {
  kind: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
}

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** An Event this recorder created, for the identical ones that follow within the window. */
interface Recorded {
  name: string;
  count: number;
  createdMs: number;
}

/**
 * Records core/v1 Events on the operator's objects, so every decision shows in `kubectl describe`.
 * The one recorder of the operator: the StreamJob reconciler, the Checkpoint reconciler and the
 * autoscaler each hold one, named after their component.
 *
 * Bursts are bounded (event-limits.ts): an Event identical to one recorded within
 * `dedupWindowMs` raises that Event's count (one PATCH, no new object), and each object may
 * write `burst` Events at once, then one per `refillMs`; the rest are dropped with a log line.
 */
export class EventRecorder {
  private readonly buckets: PerObjectBuckets;
  private readonly recorded: LruMap<string, Recorded>;
  /** Events dropped by the per-object limit, since start (tests, logs). */
  dropped = 0;

  constructor(
    private readonly core: CoreV1Api,
    private readonly component: string,
    private readonly log: Logger,
    private readonly limits: EventLimits = DEFAULT_EVENT_LIMITS,
    private readonly clock: () => number = Date.now,
    /** Where recorded Events are also kept for the web UI (operator/streamjob/operator-view.ts). */
    private readonly recent: RecentEvents = recentEvents,
  ) {
    this.buckets = new PerObjectBuckets(limits);
    this.recorded = new LruMap(limits.maxTracked);
  }

  /** Best effort: a failed Event must not fail the reconcile that decided something. */
  async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const nowMs = this.clock();
    const { name, namespace, uid } = subject.metadata;
    const object = `${subject.kind}/${namespace}/${name}/${uid ?? ""}`;
    const who = { [subject.kind.toLowerCase()]: `${namespace}/${name}`, reason };
    if (!this.buckets.take(object, nowMs)) {
      this.dropped++;
      this.log.info({ ...who, message }, "Event not recorded: this object's Events exceed the rate limit");
      return;
    }
    const key = `${object}\n${type}\n${reason}\n${message}`;
    try {
      const seen = this.recorded.get(key);
      const repeat =
        seen && nowMs - seen.createdMs < this.limits.dedupWindowMs && (await this.bump(namespace, seen, nowMs));
      const kept = repeat
        ? seen
        : { name: await this.create(subject, type, reason, message, nowMs), count: 1, createdMs: nowMs };
      if (!repeat) this.recorded.set(key, kept);
      const e = { name: kept.name, timeMs: nowMs, type, reason, message, count: kept.count, component: this.component };
      this.recent.add(eventObjectKey(subject.kind, subject.metadata), e);
    } catch (err) {
      this.log.warn({ err, ...who }, "could not record an Event");
    }
  }

  /** Raises the count of an Event already recorded; false when it is gone (expired or deleted). */
  private async bump(namespace: string, seen: Recorded, nowMs: number): Promise<boolean> {
    try {
      await this.core.patchNamespacedEvent(
        { name: seen.name, namespace, body: { count: seen.count + 1, lastTimestamp: kubeTime(new Date(nowMs)) } },
        MERGE,
      );
      seen.count++;
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw err;
    }
  }

  private async create(
    subject: EventSubject,
    type: EventType,
    reason: string,
    message: string,
    nowMs: number,
  ): Promise<string> {
    const now = new Date(nowMs);
    const { name, namespace, uid, resourceVersion } = subject.metadata;
    const eventName = `${name}.${now.getTime().toString(16)}${randomBytes(2).toString("hex")}`;
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: eventName, namespace },
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
    return eventName;
  }
}
