import { ApiException, type CoreV1Api } from "@kubernetes/client-node";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import type { EventLimits } from "../../../operator/kube/event-limits.js";
import { EventRecorder, type EventSubject } from "../../../operator/kube/events.js";

const LIMITS: EventLimits = { dedupWindowMs: 60_000, burst: 5, refillMs: 1_000, maxTracked: 100 };

/** A recorder against a fake API: every create and count bump it sends, on a clock the test moves. */
function recorder(limits = LIMITS) {
  const creates: { name: string; reason: string; message: string }[] = [];
  const bumps: { name: string; count: number }[] = [];
  let gone = false;
  const core = {
    createNamespacedEvent: vi.fn(
      async ({ body }: { body: { metadata: { name: string }; reason: string; message: string } }) => {
        creates.push({ name: body.metadata.name, reason: body.reason, message: body.message });
      },
    ),
    patchNamespacedEvent: vi.fn(async ({ name, body }: { name: string; body: { count: number } }) => {
      if (gone) throw new ApiException(404, "gone", {}, {});
      bumps.push({ name, count: body.count });
    }),
  } as unknown as CoreV1Api;
  const clock = { ms: 1_000_000 };
  const r = new EventRecorder(core, "test", pino({ level: "silent" }), limits, () => clock.ms);
  return { r, creates, bumps, clock, expire: () => (gone = true) };
}

const job = (name: string): EventSubject => ({
  kind: "StreamJob",
  metadata: { name, namespace: "ns", uid: `uid-${name}` },
});

describe("EventRecorder", () => {
  it("turns an identical Event within the window into a count bump of the first, and a later one into a new Event", async () => {
    const { r, creates, bumps, clock } = recorder();
    await r.record(job("a"), "Warning", "ApplyFailed", "refused");
    await r.record(job("a"), "Warning", "ApplyFailed", "refused");
    await r.record(job("a"), "Warning", "ApplyFailed", "refused");
    expect(creates).toHaveLength(1);
    expect(bumps).toEqual([
      { name: creates[0]!.name, count: 2 },
      { name: creates[0]!.name, count: 3 },
    ]);
    // Another message, reason or object is another Event.
    await r.record(job("a"), "Warning", "ApplyFailed", "refused again");
    await r.record(job("b"), "Warning", "ApplyFailed", "refused");
    expect(creates).toHaveLength(3);
    clock.ms += LIMITS.dedupWindowMs;
    await r.record(job("a"), "Warning", "ApplyFailed", "refused");
    expect(creates).toHaveLength(4);
  });

  it("creates the Event anew when the one it would bump is gone (expired by the API server)", async () => {
    const { r, creates, expire } = recorder();
    await r.record(job("a"), "Normal", "Running", "up");
    expire();
    await r.record(job("a"), "Normal", "Running", "up");
    expect(creates).toHaveLength(2);
  });

  it("bounds each object's Events to the burst, then one per refill period; other objects are unaffected", async () => {
    const { r, creates, bumps, clock } = recorder();
    for (let i = 0; i < 8; i++) await r.record(job("a"), "Normal", "Step", `step ${i}`);
    expect(creates.map((e) => e.message)).toEqual(["step 0", "step 1", "step 2", "step 3", "step 4"]);
    expect(r.dropped).toBe(3);
    // Count bumps are writes too.
    await r.record(job("a"), "Normal", "Step", "step 0");
    expect(bumps).toHaveLength(0);
    await r.record(job("b"), "Normal", "Step", "step 0");
    expect(creates).toHaveLength(6);
    clock.ms += LIMITS.refillMs - 1;
    await r.record(job("a"), "Normal", "Step", "step 8");
    expect(creates).toHaveLength(6);
    clock.ms += 1;
    await r.record(job("a"), "Normal", "Step", "step 9");
    await r.record(job("a"), "Normal", "Step", "step 10");
    expect(creates.map((e) => e.message).slice(6)).toEqual(["step 9"]);
    // Idle for long enough: the whole burst is back, not more.
    clock.ms += 100 * LIMITS.refillMs;
    for (let i = 0; i < 8; i++) await r.record(job("a"), "Normal", "Later", `later ${i}`);
    expect(creates.filter((e) => e.reason === "Later")).toHaveLength(LIMITS.burst);
  });

  it("never fails the caller: an API error is logged", async () => {
    const { r } = recorder();
    const failing = new EventRecorder(
      { createNamespacedEvent: vi.fn(async () => Promise.reject(new Error("down"))) } as unknown as CoreV1Api,
      "test",
      pino({ level: "silent" }),
    );
    await expect(failing.record(job("a"), "Normal", "Running", "up")).resolves.toBeUndefined();
    await expect(r.record(job("a"), "Normal", "Running", "up")).resolves.toBeUndefined();
  });
});
