import type { CheckpointEntry, Checkpoints } from "./schemas.js";

const KEEP = 100;

/** What a checkpoint coordinator reports as checkpoints start and end. */
export type CheckpointEvent =
  | { type: "triggered"; id: number; kind: CheckpointEntry["kind"]; at: number }
  | {
      type: "completed";
      id: number;
      durationMs: number;
      sizeBytes: number | null;
      /** State bytes per operator id, for the graph's state size. */
      operatorBytes?: Record<string, number>;
      alignmentMs?: number;
      path: string | null;
    }
  | { type: "failed"; id: number; durationMs: number; reason: string };

/** The last checkpoints of a job, for the UI: fed CheckpointEvents by its coordinator. */
export class CheckpointLog {
  private readonly entries: CheckpointEntry[] = [];
  private completed = 0;
  private failed = 0;
  private operatorBytes: Record<string, number> = {};

  readonly record = (e: CheckpointEvent): void => {
    if (e.type === "triggered") {
      this.entries.unshift({
        id: e.id,
        kind: e.kind,
        status: "in_progress",
        triggeredAt: e.at,
        durationMs: null,
        sizeBytes: null,
        alignmentMs: null,
        failure: null,
        path: null,
      });
      this.entries.length = Math.min(this.entries.length, KEEP);
      return;
    }
    const entry = this.entries.find((x) => x.id === e.id);
    if (e.type === "completed") {
      this.completed++;
      if (e.operatorBytes) this.operatorBytes = e.operatorBytes;
      if (entry)
        Object.assign(entry, {
          status: "completed",
          durationMs: e.durationMs,
          sizeBytes: e.sizeBytes,
          alignmentMs: e.alignmentMs ?? null,
          path: e.path,
        });
    } else {
      this.failed++;
      if (entry) Object.assign(entry, { status: "failed", durationMs: e.durationMs, failure: e.reason });
    }
  };

  /** Each operator's state in the latest completed checkpoint, by operator id. */
  stateBytes(): Record<string, number> {
    return { ...this.operatorBytes };
  }

  snapshot(): Checkpoints {
    return { completed: this.completed, failed: this.failed, history: this.entries.map((e) => ({ ...e })) };
  }
}
