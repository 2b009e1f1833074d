import { describe, expect, it } from "vitest";
import { coordinatorAnswerProblem } from "../../../operator/streamjob/coordinator-answer.js";
import type { JobStatus, MetricsSummary } from "../../../runtime/contract/rpc/messages.js";

const job = (over: Partial<JobStatus> = {}): JobStatus =>
  ({
    jobName: "orders",
    state: "RUNNING",
    attempt: 1,
    lastCheckpoint: {
      id: 3,
      kind: "checkpoint",
      state: "COMPLETED",
      path: "s3://bucket/orders/chk-3",
      triggeredAtMs: 1_700_000_000_000,
      durationMs: 40,
    },
    ...over,
  }) as JobStatus;
const metrics = (total: Record<string, number> = {}): MetricsSummary =>
  ({
    jobName: "orders",
    attempt: 1,
    total: { recordsIn: 10, recordsOut: 5, consumerLag: 0, ...total },
    workers: [],
  }) as unknown as MetricsSummary;

/** A coordinator's answers are checked before the operator copies them into the StreamJob's status. */
describe("coordinator answers", () => {
  it("accepts an honest answer", () => {
    expect(coordinatorAnswerProblem(job(), metrics())).toBeNull();
    expect(coordinatorAnswerProblem(job({ lastCheckpoint: null }), metrics())).toBeNull();
  });

  it.each([
    ["an unknown state", job({ state: "BANANA" as JobStatus["state"] }), metrics(), /unknown job state "BANANA"/],
    ["a negative counter", job(), metrics({ recordsIn: -5 }), /recordsIn = -5, not a count/],
    ["a NaN lag", job(), metrics({ consumerLag: Number.NaN }), /consumerLag = NaN/],
    ["an infinite attempt", job({ attempt: Number.POSITIVE_INFINITY }), metrics(), /attempt = Infinity/],
    [
      "a checkpoint path that is no URL",
      job({ lastCheckpoint: { ...job().lastCheckpoint!, path: "; rm -rf /" } }),
      metrics(),
      /no s3:\/\/ or file:\/\/ URL/,
    ],
    [
      "a 1 MB checkpoint path",
      job({ lastCheckpoint: { ...job().lastCheckpoint!, path: `s3://b/${"x".repeat(1 << 20)}` } }),
      metrics(),
      /at most 4096 characters/,
    ],
    [
      "a checkpoint time past what a Date holds",
      job({ lastCheckpoint: { ...job().lastCheckpoint!, triggeredAtMs: 1e20 } }),
      metrics(),
      /last checkpoint time/,
    ],
  ])("refuses %s", (_, j, m, message) => {
    expect(coordinatorAnswerProblem(j, m)).toMatch(message);
  });
});
