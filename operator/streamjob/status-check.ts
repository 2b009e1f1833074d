import { checkSpecShape } from "../../runtime/contract/spec/validate-shape.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { type DesiredCondition, mergeConditions } from "../kube/conditions.js";
import type { StreamJob } from "./job.js";

/**
 * The status fields the lifecycle trusts without checking: the specs it deployed, as JSON. The
 * CRD schema only says they are strings, so a hand edit (`kubectl edit --subresource=status`) can
 * put anything there; a reconcile that parsed it would throw on every retry, or build pods from
 * it. Such a status is refused instead: the job is Degraded with reason InvalidStatus and nothing
 * is applied until the status is repaired.
 */
export const INVALID_STATUS = "InvalidStatus";
const SPEC_FIELDS = ["lastReconciledSpec", "lastStableSpec"] as const;
/** Larger than any spec the operator writes (the CRD caps a whole object at about 1.5 MB). */
const MAX_SPEC_JSON = 1_500_000;

function specProblem(json: string): string | null {
  if (json.length > MAX_SPEC_JSON) return `is ${json.length} characters long`;
  let spec: unknown;
  try {
    spec = JSON.parse(json);
  } catch (err) {
    return `is not JSON (${(err as Error).message})`;
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return "is not a JSON object";
  const issues = checkSpecShape(spec)
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`);
  return issues.length > 0 ? `is not a valid spec (${issues.join("; ")})` : null;
}

/** What is wrong with the job's status, as a message that says how to repair it; null when nothing. */
export function statusProblem(job: StreamJob): string | null {
  for (const field of SPEC_FIELDS) {
    const json = job.status?.[field];
    if (json === undefined) continue;
    const problem = specProblem(json);
    if (problem)
      return (
        `status.${field} ${problem}: the status was edited by hand and the operator cannot tell what is deployed. ` +
        `Restore it, or remove it to redeploy from spec: kubectl patch streamjob ${job.metadata.name} ` +
        `--subresource=status --type=merge -p '{"status":{"${field}":null}}'`
      );
  }
  return null;
}

/** The status with Degraded=True (InvalidStatus) and the problem as its error; everything else kept. */
export function invalidStatus(job: StreamJob, problem: string, now: Date): StreamJobStatus {
  const kept: DesiredCondition[] = (job.status?.conditions ?? [])
    .filter((c) => c.type !== "Degraded")
    .map(({ lastTransitionTime: _t, ...c }) => c as DesiredCondition);
  const degraded: DesiredCondition = { type: "Degraded", status: "True", reason: INVALID_STATUS, message: problem };
  return {
    ...job.status,
    error: problem,
    conditions: mergeConditions(job.status?.conditions, [...kept, degraded], now),
  };
}
