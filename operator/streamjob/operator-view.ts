import { createHash } from "node:crypto";
import type {
  AutoscalerDecisionEntry,
  JobEvent,
  OperatorViewReport,
  RescaleEntry,
} from "../../runtime/contract/rpc/messages.js";
import type { AutoscalerDecision, RescaleRecord } from "../../runtime/contract/status/autoscaler.js";
import { eventObjectKey, type RecentEvents, recentEvents } from "../kube/recent-events.js";
import type { CoordinatorApi } from "./coordinator-client.js";
import type { StreamJob } from "./job.js";

/** Autoscaler decisions kept per job (the status holds only the last one). */
export const DECISIONS_KEPT = 50;

/**
 * Hands each running job's coordinator what only the operator knows, for its web UI: the
 * autoscaler's recent decisions with their inputs (status.autoscaler.lastDecision, collected as it
 * changes), its rescales (status.autoscaler.history) and the job's recent Events (recent-events.ts).
 * Sent only when the coordinator holds another digest (the content changed, or the coordinator is
 * new), so an unchanged job costs nothing beyond the GetJobStatus the observer makes anyway.
 */
export class OperatorViewFeed {
  private readonly decisions = new Map<string, AutoscalerDecisionEntry[]>();

  constructor(private readonly events: RecentEvents = recentEvents) {}

  /** Sends the job's view unless `held` (JobStatus.operatorViewDigest) is already its digest. */
  async send(
    job: StreamJob,
    client: Pick<CoordinatorApi, "reportOperatorView">,
    held: string | undefined,
    nowMs = Date.now(),
  ): Promise<boolean> {
    const report = this.report(job, nowMs);
    if (held === report.digest) return false;
    await client.reportOperatorView(report);
    return true;
  }

  /** The report for `job` now; its digest covers everything but the time it is sent. */
  report(job: StreamJob, nowMs: number): OperatorViewReport {
    const decisions = this.collect(job);
    const rescales = (job.status?.autoscaler?.history ?? []).map(rescaleEntry);
    const events: JobEvent[] = this.events.of(eventObjectKey("StreamJob", job.metadata)).map(({ name: _, ...e }) => e);
    const digest = createHash("sha256")
      .update(JSON.stringify([decisions, rescales, events]))
      .digest("hex")
      .slice(0, 32);
    return { digest, decisions, rescales, events, reportedAtMs: nowMs };
  }

  forget(key: string): void {
    this.decisions.delete(key);
  }

  /** Adds the status's last decision when it is new; the job's decisions, oldest first. */
  private collect(job: StreamJob): AutoscalerDecisionEntry[] {
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const list = this.decisions.get(key) ?? [];
    const last = job.status?.autoscaler?.lastDecision;
    if (last) {
      const d = decisionEntry(last);
      if (list.at(-1)?.timeMs !== d.timeMs) list.push(d);
      if (list.length > DECISIONS_KEPT) list.splice(0, list.length - DECISIONS_KEPT);
    }
    this.decisions.set(key, list);
    return list.slice();
  }
}

function decisionEntry(d: AutoscalerDecision): AutoscalerDecisionEntry {
  const inputs: Record<string, number> = {};
  for (const [k, v] of Object.entries(d.inputs ?? {})) if (typeof v === "number" && Number.isFinite(v)) inputs[k] = v;
  return {
    timeMs: Date.parse(d.time),
    current: d.current,
    recommended: d.recommended,
    applied: d.applied,
    reason: d.reason,
    message: d.message,
    inputs,
  };
}

function rescaleEntry(r: RescaleRecord): RescaleEntry {
  return {
    timeMs: Date.parse(r.time),
    from: r.from,
    to: r.to,
    trigger: r.trigger,
    reason: r.reason ?? "",
    effectiveness: r.effectiveness ?? -1,
  };
}
