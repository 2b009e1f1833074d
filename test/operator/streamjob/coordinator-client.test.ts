import { describe, expect, it } from "vitest";
import {
  CoordinatorClients,
  coordinatorStatusPatch,
  lastCheckpointOf,
  rates,
} from "../../../operator/streamjob/coordinator-client.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import type { CheckpointInfo, JobStatus } from "../../../runtime/contract/rpc/messages.js";

const cp = (over: Partial<CheckpointInfo> = {}): CheckpointInfo => ({
  id: 3,
  kind: "checkpoint",
  state: "COMPLETED",
  path: "s3://b/p/orders/chk-3",
  bytes: 10,
  triggeredAtMs: Date.parse("2026-11-23T12:00:00Z"),
  durationMs: 1_500,
  error: "",
  attempt: 1,
  ...over,
});

describe("status from the coordinator", () => {
  it("turns two samples of the counters into records/s", () => {
    const a = { attempt: 1, recordsIn: 1_000, recordsOut: 100, atMs: 10_000 };
    expect(rates(a, { attempt: 1, recordsIn: 3_000, recordsOut: 150, atMs: 12_000 })).toEqual({ in: 1_000, out: 25 });
  });

  it("gives no rate across attempts, for counters that went down, or without a previous sample", () => {
    const a = { attempt: 1, recordsIn: 1_000, recordsOut: 100, atMs: 10_000 };
    expect(rates(a, { attempt: 2, recordsIn: 3_000, recordsOut: 150, atMs: 12_000 })).toBeUndefined();
    expect(rates(a, { attempt: 1, recordsIn: 500, recordsOut: 150, atMs: 12_000 })).toBeUndefined();
    expect(rates(undefined, a)).toBeUndefined();
  });

  it("takes lastCheckpoint from a completed checkpoint only, timed at its end", () => {
    expect(lastCheckpointOf(cp())).toEqual({ path: "s3://b/p/orders/chk-3", time: "2026-11-23T12:00:01Z" });
    expect(lastCheckpointOf(cp({ state: "IN_PROGRESS" }))).toBeUndefined();
    expect(lastCheckpointOf(cp({ id: 0 }))).toBeUndefined();
    expect(lastCheckpointOf(null)).toBeUndefined();
  });

  it("patches only what changed, and keeps a consumer lag another writer set", () => {
    const job = { lastCheckpoint: cp() } as JobStatus;
    const now = new Date("2026-11-23T12:01:00Z");
    const same = coordinatorStatusPatch(
      { lastCheckpoint: { path: "s3://b/p/orders/chk-3", time: "2026-11-23T12:00:01Z" } },
      job,
      undefined,
      now,
    );
    expect(same).toEqual({});
    const patch = coordinatorStatusPatch({ metrics: { consumerLag: 42 } }, job, { in: 5, out: 1 }, now);
    expect(patch.metrics).toEqual({
      consumerLag: 42,
      recordsInPerSecond: 5,
      recordsOutPerSecond: 1,
      updatedAt: "2026-11-23T12:01:00Z",
    });
    expect(patch.lastCheckpoint?.path).toBe("s3://b/p/orders/chk-3");
    // The workers' reported Kafka lag replaces the old value.
    const lagged = coordinatorStatusPatch({ metrics: { consumerLag: 42 } }, job, { in: 5, out: 1 }, now, 1234.4);
    expect(lagged.metrics?.consumerLag).toBe(1234);
  });
});

describe("credentials after a failed call", () => {
  const job = { metadata: { name: "orders", namespace: "team-a" } } as StreamJob;
  const calls: string[] = [];
  const clients = new CoordinatorClients({
    client: async () => "insecure",
    forget: (key) => calls.push(`forget ${key}`),
    stale: (key) => calls.push(`stale ${key}`),
  });

  it("marks them stale when the coordinator is unreachable, and drops them when the job is gone", () => {
    clients.unavailable(job, { code: 14 });
    clients.unavailable(job, { code: 9 });
    clients.forget("team-a/orders");
    expect(calls).toEqual(["stale team-a/orders", "forget team-a/orders"]);
  });
});
