import { describe, expect, it } from "vitest";
import {
  abandoned,
  backoffDelayMs,
  failAttempt,
  iso,
  progressed,
  started,
  waitingForRetry,
} from "../../../operator/checkpoint/checkpoint-status.js";
import type { CheckpointInfo } from "../../../runtime/contract/rpc/messages.js";

const T0 = Date.parse("2026-11-23T12:00:00Z");
const info = (over: Partial<CheckpointInfo> = {}): CheckpointInfo => ({
  id: 7,
  kind: "savepoint",
  state: "IN_PROGRESS",
  path: "",
  bytes: 0,
  triggeredAtMs: T0,
  durationMs: 0,
  error: "",
  attempt: 1,
  ...over,
});
const spec = { jobRef: { name: "orders" }, backoffLimit: 2 };
const o = { timeoutMs: 60_000, pollMs: 500, backoff: { baseMs: 1_000, maxMs: 5_000 } };

describe("Checkpoint status transitions", () => {
  it("backs off exponentially from the base, capped at the maximum", () => {
    const p = { baseMs: 1_000, maxMs: 5_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, p))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it("goes Pending → InProgress when the coordinator accepts, and polls", () => {
    const t = started({ phase: "Pending", failedAttempts: 1, error: "earlier", retryAt: iso(T0) }, info(), 4, T0, 500);
    expect(t.status).toEqual({
      phase: "InProgress",
      failedAttempts: 1,
      checkpointId: 7,
      jobGeneration: 4,
      startedAt: iso(T0),
    });
    expect(t.requeueMs).toBe(500);
    expect(t.event?.reason).toBe("InProgress");
  });

  it("completes with path, size, duration and id", () => {
    const s = { phase: "InProgress" as const, checkpointId: 7, startedAt: iso(T0) };
    const t = progressed(
      spec,
      s,
      info({ state: "COMPLETED", path: "s3://b/p/orders/sp-7", bytes: 1234, durationMs: 850.4 }),
      T0 + 1_000,
      {
        ...o,
        storageSecret: "creds",
      },
    );
    expect(t.status).toMatchObject({
      phase: "Completed",
      path: "s3://b/p/orders/sp-7",
      sizeBytes: 1234,
      durationMs: 850,
      checkpointId: 7,
      storageSecret: "creds",
    });
    expect(t.status.completedAt).toBe(iso(T0 + 1_000));
    expect(t.event?.reason).toBe("Completed");
    expect(t.requeueMs).toBeUndefined();
  });

  it("keeps polling while in progress, within the timeout", () => {
    const s = { phase: "InProgress" as const, checkpointId: 7, startedAt: iso(T0) };
    const t = progressed(spec, s, info(), T0 + 10_000, o);
    expect(t.status).toBe(s);
    expect(t.requeueMs).toBe(500);
    expect(t.event).toBeUndefined();
  });

  it("gives up on a savepoint that hangs past the timeout: a failed attempt, retried after backoff", () => {
    const s = { phase: "InProgress" as const, checkpointId: 7, startedAt: iso(T0), failedAttempts: 0 };
    const t = progressed(spec, s, undefined, T0 + 61_000, { ...o, pollError: "14 UNAVAILABLE" });
    expect(t.status.phase).toBe("Pending");
    expect(t.status.failedAttempts).toBe(1);
    expect(t.status.error).toContain("did not complete within 60s");
    expect(t.status.error).toContain("14 UNAVAILABLE");
    expect(t.status.retryAt).toBe(iso(T0 + 61_000 + 1_000));
    expect(t.requeueMs).toBe(1_000);
    expect(t.event?.reason).toBe("AttemptFailed");
  });

  it("fails for good after backoffLimit retries", () => {
    let s = { phase: "Pending" as const, failedAttempts: 0 } as Parameters<typeof failAttempt>[1];
    const phases: (string | undefined)[] = [];
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const t = failAttempt(spec, s, "coordinator unreachable", T0, o);
      phases.push(t.status.phase);
      delays.push(t.requeueMs);
      s = t.status;
    }
    expect(phases).toEqual(["Pending", "Pending", "Failed"]);
    expect(delays).toEqual([1_000, 2_000, undefined]);
    expect(s.failedAttempts).toBe(3);
    expect(s.error).toContain("backoffLimit 2 reached");
    expect(s.retryAt).toBeUndefined();
    expect(s.completedAt).toBe(iso(T0));
  });

  it("fails a permanent problem at once, whatever the backoffLimit", () => {
    const t = failAttempt(spec, { phase: "Pending", failedAttempts: 0 }, "no storage", T0, { permanent: true });
    expect(t.status).toMatchObject({ phase: "Failed", failedAttempts: 1, error: "no storage" });
  });

  it("counts a FAILED savepoint or one the coordinator forgot as failed attempts", () => {
    const s = { phase: "InProgress" as const, checkpointId: 7, startedAt: iso(T0) };
    expect(progressed(spec, s, info({ state: "FAILED", error: "disk full" }), T0, o).status.error).toBe(
      "savepoint 7 failed: disk full",
    );
    expect(progressed(spec, s, info({ state: "NONE", id: 0 }), T0, o).status.error).toContain(
      "does not know savepoint 7",
    );
  });

  it("waits out a backoff before the next attempt", () => {
    expect(waitingForRetry({ retryAt: iso(T0 + 2_000) }, T0)).toBe(2_000);
    expect(waitingForRetry({ retryAt: iso(T0 - 1) }, T0)).toBeUndefined();
    expect(waitingForRetry({}, T0)).toBeUndefined();
  });

  it("abandons with the reason", () => {
    const t = abandoned({ phase: "InProgress", retryAt: iso(T0) }, "StreamJob orders was deleted", T0);
    expect(t.status).toEqual({ phase: "Abandoned", error: "StreamJob orders was deleted", completedAt: iso(T0) });
    expect(t.event?.type).toBe("Warning");
  });
});

describe("retry times", () => {
  it("never writes a retry time earlier than the backoff (seconds round up)", () => {
    const now = T0 + 100;
    const t = failAttempt(spec, { phase: "Pending", failedAttempts: 0 }, "x", now, {
      backoff: { baseMs: 300, maxMs: 1_000 },
    });
    expect(Date.parse(t.status.retryAt!)).toBeGreaterThanOrEqual(now + 300);
    expect(waitingForRetry(t.status, now)).toBeGreaterThanOrEqual(300);
  });
});
