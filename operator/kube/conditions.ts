import type { Condition } from "../../runtime/contract/status/condition.js";

export type ConditionType = "Ready" | "Progressing" | "Degraded";

/** A condition as a reconcile decides it; the transition time is filled in by `mergeConditions`. */
export type DesiredCondition = Omit<Condition, "lastTransitionTime" | "type"> & { type: ConditionType };

/** metav1.Time has second precision; a sub-second time would differ from what the server stores. */
export function kubeTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * The new condition list: lastTransitionTime changes only when a condition's status changes, so
 * `kubectl describe` shows how long a job has been (not) Ready rather than when it was last reconciled.
 */
export function mergeConditions(
  previous: Condition[] | undefined,
  desired: DesiredCondition[],
  now: Date,
): Condition[] {
  return desired.map((d) => {
    const old = previous?.find((c) => c.type === d.type);
    const lastTransitionTime = old && old.status === d.status ? old.lastTransitionTime : kubeTime(now);
    return { ...d, lastTransitionTime };
  });
}
