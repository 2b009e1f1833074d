import type { CheckpointInfo, JobStatus } from "../../../runtime/contract/rpc/messages.js";
import type { StreamJobPhase, StreamJobStatus, UpgradeStatus } from "../../../runtime/contract/status/streamjob.js";
import type { DesiredCondition } from "../../kube/conditions.js";
import type { StreamJob } from "../job.js";

/**
 * The StreamJob lifecycle as one function per phase (pending.ts, deploying.ts, running.ts, ...):
 * each takes what the operator knows now and returns the next Step. Everything a later step needs
 * is in the Step's status (never only in memory), so a new operator process resumes an upgrade
 * where the last one left it.
 */

/** The coordinator calls the lifecycle makes; runtime/contract/rpc's ControlClient has them, tests fake them. */
export interface LifecycleCoordinator {
  triggerSavepoint(req: { stop: boolean; reason: string }): Promise<CheckpointInfo>;
  getCheckpoint(id: number): Promise<CheckpointInfo>;
  getJobStatus(): Promise<JobStatus>;
}

/** What the job's children report, for the deployment the status describes. */
export interface ClusterView {
  /** The Deployment/StatefulSet carry the pod templates of the current deployment and their controllers saw them. */
  upToDate: boolean;
  /** Up to date, coordinator available and every desired worker ready. */
  ready: boolean;
  /** No worker and no coordinator pod left. */
  scaledDown: boolean;
  workersReady: number;
}

export interface LifecycleTiming {
  upgradeTimeoutMs: number;
  savepointTimeoutMs: number;
  stableAfterMs: number;
  pollIntervalMs: number;
  /** How long a reconcile follows a savepoint it just triggered before handing back to the queue. */
  followMs?: number;
}

export interface StateContext {
  /** spec: what the user wants; status: what the operator recorded (the state machine's memory). */
  job: StreamJob;
  now: Date;
  cluster: ClusterView;
  coordinator: LifecycleCoordinator;
  timing: LifecycleTiming;
}

/** The lifecycle's own status fields; the reconciler keeps the rest (metrics, checkpoints, autoscaler). */
export type LifecycleStatus = Pick<
  StreamJobStatus,
  | "lastReconciledSpec"
  | "lastStableSpec"
  | "restoreFrom"
  | "deployedAt"
  | "lastSavepoint"
  | "upgrade"
  | "lastUpgradeFailure"
>;

export interface LifecycleEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface Step {
  phase: StreamJobPhase;
  /** The whole lifecycle status after this step (fields left out are removed). */
  status: LifecycleStatus;
  ready: DesiredCondition;
  progressing: DesiredCondition;
  degraded: DesiredCondition;
  /** Decisions taken in this step, recorded as Kubernetes Events. */
  events: LifecycleEvent[];
  /** Reconcile again after this long even if nothing changes (polling a savepoint, a timeout). */
  requeueAfterMs?: number;
  error?: string;
  /** Deletion only: the final savepoint is done with (taken or skipped), the finalizer may go. */
  releaseFinalizer?: boolean;
}

export type StateFn = (ctx: StateContext) => Promise<Step>;
export type { UpgradeStatus };

export const cond = (
  type: DesiredCondition["type"],
  status: "True" | "False",
  reason: string,
  message: string,
): DesiredCondition => ({
  type,
  status,
  reason,
  message,
});

/** metav1.Time precision. */
export function kubeNow(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}

export function lifecycleOf(status: StreamJobStatus | undefined): LifecycleStatus {
  const { lastReconciledSpec, lastStableSpec, restoreFrom, deployedAt, lastSavepoint, upgrade, lastUpgradeFailure } =
    status ?? {};
  return dropUndefined({
    lastReconciledSpec,
    lastStableSpec,
    restoreFrom,
    deployedAt,
    lastSavepoint,
    upgrade,
    lastUpgradeFailure,
  });
}

export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
