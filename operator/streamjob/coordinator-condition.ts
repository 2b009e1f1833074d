import type { Condition } from "../../runtime/contract/status/condition.js";
import { kubeTime } from "../kube/conditions.js";
import { COORDINATOR_NONSENSE } from "./coordinator-answer.js";

/**
 * The job observer owns one Degraded condition: reason CoordinatorNonsense, set while the running
 * coordinator's answers make no sense (coordinator-answer.ts) and cleared by its first sane answer.
 * The reconciler keeps it while its own step is healthy (job-status.ts), so neither writer undoes
 * the other. Undefined: the conditions stay as they are (already so, or Degraded for another
 * reason, which says more than this one and is cleared by whoever set it).
 */
export function coordinatorConditions(
  previous: readonly Condition[] | undefined,
  problem: string | null,
  generation: number,
  now: Date,
): Condition[] | undefined {
  const old = previous?.find((c) => c.type === "Degraded");
  const ours = old?.status === "True" && old.reason === COORDINATOR_NONSENSE;
  let next: Condition;
  if (problem !== null) {
    const message = `the coordinator answered ${problem}; nothing of its answer is copied into the status until it makes sense`;
    if (old?.status === "True" && (!ours || old.message === message)) return undefined;
    next = degraded("True", COORDINATOR_NONSENSE, message, generation, old, now);
  } else {
    if (!ours) return undefined;
    next = degraded("False", "AsExpected", "", generation, old, now);
  }
  const others = (previous ?? []).filter((c) => c.type !== "Degraded");
  return [...others, next];
}

function degraded(
  status: "True" | "False",
  reason: string,
  message: string,
  observedGeneration: number,
  old: Condition | undefined,
  now: Date,
): Condition {
  const lastTransitionTime = old?.status === status ? old.lastTransitionTime : kubeTime(now);
  return { type: "Degraded", status, reason, message, observedGeneration, lastTransitionTime };
}

/** Whether the reconciler, whose step says the job is healthy, keeps the observer's condition. */
export function keepsCoordinatorCondition(previous: readonly Condition[] | undefined): Condition | undefined {
  const old = previous?.find((c) => c.type === "Degraded");
  return old?.status === "True" && old.reason === COORDINATOR_NONSENSE ? old : undefined;
}
