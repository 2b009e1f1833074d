import type { RescaleRecord } from "../../runtime/contract/status/autoscaler.js";
import type { Decision } from "./decision.js";

/** status.autoscaler.history keeps this many rescales (the CRD's maxItems). */
export const HISTORY_LIMIT = 10;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export function appendBounded(history: RescaleRecord[], record: RescaleRecord): RescaleRecord[] {
  return [...history, record].slice(-HISTORY_LIMIT);
}

/**
 * The record of a rescale the autoscaler applies (or, in dry-run, only recommends). A scale-up
 * carries the capacity before and the capacity expected after (linear in subtasks), so the first
 * settled decision after it can measure whether it delivered (decide(), step 3).
 */
export function autoscalerRecord(decision: Decision, from: number, nowMs: number, dryRun: boolean): RescaleRecord {
  const per = decision.inputs.processingRatePerSubtask;
  const subtasks = decision.inputs.subtasks;
  const up = decision.recommended > from;
  return {
    time: iso(nowMs),
    from,
    to: decision.recommended,
    trigger: dryRun ? "dry-run" : "autoscaler",
    reason: decision.reason,
    ...(dryRun ? { completedAt: iso(nowMs) } : {}),
    ...(up && !dryRun && per !== undefined && subtasks !== undefined
      ? { capacityBefore: round(per * subtasks), expectedCapacity: round(per * decision.recommended) }
      : {}),
  };
}

/** A parallelism change the autoscaler did not make: `kubectl scale` or an edit of spec.parallelism. */
export function manualRecord(from: number, to: number, nowMs: number): RescaleRecord {
  return { time: iso(nowMs), from, to, trigger: "manual", reason: "ManualScale", completedAt: iso(nowMs) };
}

/** In dry-run, the same recommendation is recorded once, not on every evaluation. */
export function isRepeatOfLast(history: RescaleRecord[], record: RescaleRecord): boolean {
  const last = history.at(-1);
  return last !== undefined && last.trigger === record.trigger && last.from === record.from && last.to === record.to;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
