import type { Condition } from "../../runtime/contract/status/condition.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { mergeConditions } from "../kube/conditions.js";
import { SPEC_HASH, type Workload } from "./cached.js";
import { keepsCoordinatorCondition } from "./coordinator-condition.js";
import { type StreamJob, workerSelector } from "./job.js";
import { desiredParallelism } from "./resources/coordinator.js";
import { webUrl } from "./resources/ingress.js";
import type { ClusterView, Step } from "./states/types.js";

export { SUSPENDED_WITHOUT_SAVEPOINT } from "./states/steps.js";

/** The job's children as the informers see them, and as the current deployment wants them. */
export interface Observed {
  workers?: Workload;
  coordinator?: Workload;
  /** Built from status (the deployed spec and restore source): what `workers`/`coordinator` should match. */
  desired?: { workers: Workload; coordinator: Workload };
}

const templateHash = (o: Workload | undefined) => o?.spec?.template.metadata?.annotations?.[SPEC_HASH];

/** The object carries the wanted pod template and replicas, and its controller has seen it. */
function current(o: Workload | undefined, want: Workload | undefined): boolean {
  if (!o || !want) return false;
  return (
    templateHash(o) === templateHash(want) &&
    o.spec?.replicas === want.spec?.replicas &&
    (o.status?.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0)
  );
}

/** Readiness of the deployment the status describes: stale caches and old pods do not count. */
export function clusterView(o: Observed): ClusterView {
  const upToDate = current(o.workers, o.desired?.workers) && current(o.coordinator, o.desired?.coordinator);
  const w = o.workers?.status;
  const c = o.coordinator?.status;
  const want = o.desired?.workers.spec?.replicas ?? 0;
  const workersReady = w?.readyReplicas ?? 0;
  const workersSettled =
    workersReady === want && w?.replicas === want && (want === 0 || (w?.updatedReplicas ?? 0) === want);
  const coordinatorUp =
    (c?.conditions?.some((x) => x.type === "Available" && x.status === "True") ?? false) &&
    (c?.updatedReplicas ?? 0) === 1 &&
    (c?.availableReplicas ?? 0) === 1 &&
    c?.replicas === 1;
  return {
    upToDate,
    ready: upToDate && want > 0 && workersSettled && coordinatorUp,
    scaledDown: upToDate && want === 0 && (w?.replicas ?? 0) === 0 && (c?.replicas ?? 0) === 0,
    workersReady,
  };
}

/** The status a reconcile writes: the step's lifecycle fields and conditions, and what other writers own. */
export function composeStatus(job: StreamJob, step: Step, o: Observed, now: Date): StreamJobStatus {
  const generation = job.metadata.generation ?? 0;
  // Fields other parts of the operator write (metrics, checkpoints, autoscaler): kept as they are.
  const {
    phase: _p,
    observedGeneration: _g,
    conditions,
    parallelism: _w,
    desiredParallelism: _d,
    error: _e,
    lastReconciledSpec: _a,
    lastStableSpec: _b,
    restoreFrom: _r,
    deployedAt: _t,
    lastSavepoint: _s,
    upgrade: _u,
    lastUpgradeFailure: _f,
    ...others
  } = job.status ?? {};
  // Moving to: the desired spec while an operation rolls it out, else what is deployed (a failed
  // or rolled-back upgrade is not being moved to).
  const deployed = step.status.upgrade
    ? job
    : step.status.lastReconciledSpec
      ? { ...job, spec: JSON.parse(step.status.lastReconciledSpec) as StreamJob["spec"] }
      : undefined;
  return {
    ...others,
    ...step.status,
    phase: step.phase,
    observedGeneration: generation,
    conditions: [
      ...mergeConditions(
        conditions,
        [step.ready, step.progressing, degradedOf(step, conditions)].map((c) => ({
          ...c,
          observedGeneration: generation,
        })),
        now,
      ),
      ...autoscalerCondition(job, others.autoscaler),
    ],
    parallelism: o.workers?.status?.readyReplicas ?? 0,
    desiredParallelism: deployed ? desiredParallelism(deployed) : 0,
    selector: workerSelector(job),
    webUrl: webUrl(job),
    ...(step.error ? { error: step.error } : {}),
  };
}

/**
 * A running job whose step is healthy keeps the job observer's Degraded CoordinatorNonsense: the
 * observer alone knows when the coordinator's answers make sense again and clears it then.
 */
function degradedOf(step: Step, previous: Condition[] | undefined): Step["degraded"] {
  if (step.phase !== "Running" || step.degraded.status !== "False") return step.degraded;
  const kept = keepsCoordinatorCondition(previous);
  return kept ? { type: "Degraded", status: "True", reason: kept.reason, message: kept.message } : step.degraded;
}

/**
 * The autoscaler writes its AutoscalerReady condition into status.autoscaler (it is not the only
 * writer of status.conditions, this reconcile is); shown among the job's conditions too, so that
 * `kubectl wait --for=condition=AutoscalerReady` and `kubectl describe` see it, while enabled.
 */
function autoscalerCondition(job: StreamJob, autoscaler: StreamJobStatus["autoscaler"]): Condition[] {
  if (!job.spec.autoscaler?.enabled) return [];
  const ready = autoscaler?.conditions?.find((c) => c.type === "AutoscalerReady");
  return ready ? [ready] : [];
}
