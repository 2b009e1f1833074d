import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import type { SpecIssue } from "../../runtime/spec/errors.js";
import type { StreamJobPhase, StreamJobStatus } from "../crd/status.js";
import { desiredParallelism } from "../resources/coordinator.js";
import type { StreamJob } from "../resources/job.js";
import { type DesiredCondition, mergeConditions } from "./conditions.js";

export const SUSPENDED_WITHOUT_SAVEPOINT =
  "suspended without a savepoint (Sabot does not take savepoints on suspend yet): resuming restarts the job without its state";

export interface Observed {
  /** Problems the engine's spec validation found; empty when the spec is valid. */
  issues: SpecIssue[];
  workers?: V1StatefulSet;
  coordinator?: V1Deployment;
}

interface Decision {
  phase: StreamJobPhase;
  message: string;
  ready: DesiredCondition;
  progressing: DesiredCondition;
  degraded: DesiredCondition;
  error?: string;
}

const cond = (type: DesiredCondition["type"], status: "True" | "False", reason: string, message: string): DesiredCondition => ({
  type,
  status,
  reason,
  message,
});

function isAvailable(d: V1Deployment | undefined): boolean {
  return d?.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;
}

/** The StatefulSet controller has seen the latest spec and all desired workers are updated and ready. */
function workersSettled(sts: V1StatefulSet | undefined, desired: number): boolean {
  const s = sts?.status;
  if (!sts || !s || (s.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0)) return false;
  return (s.readyReplicas ?? 0) === desired && s.replicas === desired && (desired === 0 || (s.updatedReplicas ?? 0) === desired);
}

function decide(job: StreamJob, o: Observed): Decision {
  if (o.issues.length > 0) {
    const error = `invalid StreamJob: ${o.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    return {
      phase: "Failed",
      message: error,
      error,
      ready: cond("Ready", "False", "InvalidSpec", error),
      progressing: cond("Progressing", "False", "InvalidSpec", "fix the spec; nothing was deployed"),
      degraded: cond("Degraded", "True", "InvalidSpec", error),
    };
  }
  const desired = desiredParallelism(job);
  const ready = o.workers?.status?.readyReplicas ?? 0;
  const healthy = cond("Degraded", "False", "AsExpected", "");
  if (job.spec.state === "suspended") {
    const done = workersSettled(o.workers, 0) && (o.coordinator?.status?.replicas ?? 0) === 0;
    return done
      ? {
          phase: "Suspended",
          message: SUSPENDED_WITHOUT_SAVEPOINT,
          ready: cond("Ready", "False", "Suspended", SUSPENDED_WITHOUT_SAVEPOINT),
          progressing: cond("Progressing", "False", "Suspended", "scaled to zero"),
          degraded: healthy,
        }
      : {
          phase: "Suspending",
          message: `scaling to zero (${ready} workers still ready)`,
          ready: cond("Ready", "False", "Suspending", "scaling to zero"),
          progressing: cond("Progressing", "True", "Suspending", `${ready} workers still ready`),
          degraded: healthy,
        };
  }
  const msg = `${ready} of ${desired} workers ready, coordinator ${isAvailable(o.coordinator) ? "available" : "not available"}`;
  if (workersSettled(o.workers, desired) && isAvailable(o.coordinator))
    return {
      phase: "Running",
      message: msg,
      ready: cond("Ready", "True", "JobRunning", msg),
      progressing: cond("Progressing", "False", "Stable", "all workers ready"),
      degraded: healthy,
    };
  return {
    phase: "Deploying",
    message: msg,
    ready: cond("Ready", "False", "Deploying", msg),
    progressing: cond("Progressing", "True", "Deploying", msg),
    degraded: healthy,
  };
}

/** The status a reconcile writes: a pure function of the job and what its children report. */
export function computeStatus(job: StreamJob, o: Observed, now: Date): { status: StreamJobStatus; message: string } {
  const d = decide(job, o);
  const { metrics, lastCheckpoint, autoscaler } = job.status ?? {};
  const status: StreamJobStatus = {
    ...(metrics ? { metrics } : {}),
    ...(lastCheckpoint ? { lastCheckpoint } : {}),
    ...(autoscaler ? { autoscaler } : {}),
    phase: d.phase,
    observedGeneration: job.metadata.generation ?? 0,
    conditions: mergeConditions(
      job.status?.conditions,
      [d.ready, d.progressing, d.degraded].map((c) => ({ ...c, observedGeneration: job.metadata.generation ?? 0 })),
      now,
    ),
    parallelism: o.workers?.status?.readyReplicas ?? 0,
    desiredParallelism: o.issues.length > 0 ? 0 : desiredParallelism(job),
    ...(d.error ? { error: d.error } : {}),
  };
  return { status, message: d.message };
}
