import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../../operator/kube/workqueue.js";

describe("WorkQueue", () => {
  it("queues a key once however often it is added", async () => {
    const q = new WorkQueue();
    q.add("a/x");
    q.add("a/x");
    q.add("a/y");
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe("a/x");
    expect(await q.get()).toBe("a/y");
    expect(q.depth).toBe(0);
  });

  it("never hands out a key being processed; a key added meanwhile comes back after done", async () => {
    const q = new WorkQueue();
    q.add("a/x");
    const key = await q.get();
    q.add("a/x");
    expect(q.depth).toBe(0);
    const next = q.get();
    let handed = false;
    void next.then(() => (handed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(handed).toBe(false);
    q.done(key!);
    expect(await next).toBe("a/x");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add("a/z");
    expect(await waiting).toBe("a/z");
  });

  it("backs off exponentially per key, capped, and forget resets it", () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    const delays = [1, 2, 3, 4, 5].map(() => {
      const d = q.addRateLimited("a/x");
      return d;
    });
    expect(delays).toEqual([10, 20, 40, 50, 50]);
    expect(q.retries("a/x")).toBe(5);
    q.forget("a/x");
    expect(q.retries("a/x")).toBe(0);
    q.shutdown();
  });

  it("re-adds a rate-limited key after its delay", async () => {
    const q = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 1000 });
    const started = Date.now();
    q.addRateLimited("a/x");
    expect(q.depth).toBe(0);
    expect(await q.get()).toBe("a/x");
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it("releases waiting workers on shutdown", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add("a/x");
    expect(q.depth).toBe(0);
  });
});
