import type { JobEvent } from "../../runtime/contract/rpc/messages.js";
import { LruMap } from "./event-limits.js";

/** One Event as the web UI shows it, and the Event object's name: a repeat raises that one's count. */
export type RecentEvent = JobEvent & { name: string };

/** Events kept per object: the web UI shows the last ones, as `kubectl describe` does. */
export const EVENTS_PER_OBJECT = 50;
/** Objects tracked; the least recently written beyond this are forgotten. */
const MAX_OBJECTS = 2000;

/**
 * The Events this operator process recorded lately, per object, so that the web UI can show a job's
 * Events without anyone listing them from the API server (job pods hold no Kubernetes token; the
 * operator needs no list permission). Only what this process recorded since it became leader.
 */
export class RecentEvents {
  private readonly byObject = new LruMap<string, RecentEvent[]>(MAX_OBJECTS);

  /** A new Event, or a repeat of `e.name` (its count and time move). */
  add(object: string, e: RecentEvent): void {
    const list = this.byObject.get(object) ?? [];
    const i = list.findIndex((x) => x.name === e.name);
    if (i >= 0) list.splice(i, 1);
    list.push({ ...e });
    if (list.length > EVENTS_PER_OBJECT) list.splice(0, list.length - EVENTS_PER_OBJECT);
    this.byObject.set(object, list);
  }

  /** Oldest first. */
  of(object: string): RecentEvent[] {
    return (this.byObject.get(object) ?? []).map((e) => ({ ...e }));
  }
}

/** The key of an object's Events: kind, namespace, name and uid (a re-created object starts afresh). */
export function eventObjectKey(kind: string, m: { namespace?: string; name?: string; uid?: string }): string {
  return `${kind}/${m.namespace ?? ""}/${m.name ?? ""}/${m.uid ?? ""}`;
}

/** The operator process's one store: every EventRecorder adds to it. */
export const recentEvents = new RecentEvents();
