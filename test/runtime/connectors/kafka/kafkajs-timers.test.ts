import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduleCheckPendingRequests } from "../../../../runtime/connectors/kafka/kafkajs-timers.js";

const require = createRequire(import.meta.url);

function queue(o: { throttledUntil: number; pending: number }) {
  return {
    throttledUntil: o.throttledUntil,
    throttleCheckTimeoutId: null as NodeJS.Timeout | null,
    pending: Array.from({ length: o.pending }, () => ({})),
    checkPendingRequests: vi.fn(),
  };
}

describe("kafkajs RequestQueue timer fix", () => {
  afterEach(() => vi.useRealTimers());

  it("replaces kafkajs's scheduleCheckPendingRequests on the class every client loads", () => {
    const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: Record<string, unknown> };
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });

  it("arms no timer when nothing is pending and nothing is throttled (kafkajs armed -<epoch ms>)", () => {
    const q = queue({ throttledUntil: -1, pending: 0 });
    const set = vi.spyOn(globalThis, "setTimeout");
    scheduleCheckPendingRequests.call(q);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(set).not.toHaveBeenCalled();
    set.mockRestore();
  });

  it("checks pending requests in 10 ms unthrottled, and when the throttle ends throttled", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const pending = queue({ throttledUntil: -1, pending: 2 });
    scheduleCheckPendingRequests.call(pending);
    vi.advanceTimersByTime(9);
    expect(pending.checkPendingRequests).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(pending.checkPendingRequests).toHaveBeenCalledTimes(1);
    expect(pending.throttleCheckTimeoutId).toBeNull();

    const throttled = queue({ throttledUntil: Date.now() + 500, pending: 0 });
    scheduleCheckPendingRequests.call(throttled);
    vi.advanceTimersByTime(499);
    expect(throttled.checkPendingRequests).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
  });

  it("keeps one timer: a second call while one is armed adds none", () => {
    vi.useFakeTimers();
    const q = queue({ throttledUntil: -1, pending: 1 });
    scheduleCheckPendingRequests.call(q);
    const first = q.throttleCheckTimeoutId;
    scheduleCheckPendingRequests.call(q);
    expect(q.throttleCheckTimeoutId).toBe(first);
    expect(vi.getTimerCount()).toBe(1);
  });
});
