import { describe, expect, it } from "vitest";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import {
  type PeriodicCheckpoint,
  periodicName,
  planPeriodic,
} from "../../../operator/streamjob/periodic-savepoints.js";
import type { CheckpointPhase } from "../../../runtime/contract/status/checkpoint.js";
import { streamJob } from "./resources/fixtures.js";

const T0 = Date.parse("2026-11-23T12:00:00Z");
const running = (extra: Partial<StreamJob["spec"]> = {}, readySince = T0 - 60_000): StreamJob => ({
  ...streamJob("orders", { savepointInterval: "10s", savepointRetain: 2, ...extra }),
  status: {
    phase: "Running",
    conditions: [
      {
        type: "Ready",
        status: "True",
        reason: "JobRunning",
        message: "",
        lastTransitionTime: new Date(readySince).toISOString(),
      },
    ],
  },
});
const cp = (name: string, agoMs: number, phase?: CheckpointPhase): PeriodicCheckpoint => ({
  name,
  createdMs: T0 - agoMs,
  phase,
});

describe("periodic savepoint schedule", () => {
  it("is due one interval after the job became ready, then one interval after the newest", () => {
    expect(planPeriodic(running({}, T0 - 5_000), [], T0)).toEqual({ create: false, nextInMs: 5_000, delete: [] });
    expect(planPeriodic(running({}, T0 - 10_000), [], T0).create).toBe(true);
    expect(planPeriodic(running(), [cp("a", 4_000, "Completed")], T0)).toEqual({
      create: false,
      nextInMs: 6_000,
      delete: [],
    });
    expect(planPeriodic(running(), [cp("a", 11_000, "Completed")], T0).create).toBe(true);
  });

  it("never starts one while another is unfinished", () => {
    const plan = planPeriodic(running(), [cp("a", 60_000, "InProgress")], T0);
    expect(plan.create).toBe(false);
    expect(planPeriodic(running(), [cp("a", 60_000)], T0).create).toBe(false);
  });

  it("creates nothing unless the job is Running and asks for it", () => {
    expect(planPeriodic({ ...running(), status: { phase: "Deploying" } }, [], T0).create).toBe(false);
    expect(planPeriodic(running({ savepointInterval: undefined }), [], T0)).toEqual({ create: false, delete: [] });
    expect(planPeriodic(running({ state: "suspended" }), [], T0).create).toBe(false);
  });

  it("keeps the newest savepointRetain completed ones, and failures only while newer than those", () => {
    const existing = [
      cp("c1", 50_000, "Completed"),
      cp("f1", 45_000, "Failed"),
      cp("c2", 40_000, "Completed"),
      cp("c3", 30_000, "Completed"),
      cp("f2", 20_000, "Failed"),
      cp("p", 5_000, "InProgress"),
    ];
    expect(planPeriodic(running(), existing, T0).delete.sort()).toEqual(["c1", "f1"]);
  });

  it("prunes even when no new one is due (job suspended)", () => {
    const existing = [cp("c1", 30_000, "Completed"), cp("c2", 20_000, "Completed"), cp("c3", 10_000, "Completed")];
    expect(planPeriodic(running({ state: "suspended" }), existing, T0).delete).toEqual(["c1"]);
  });

  it("names periodic Checkpoints after the job and the second", () => {
    expect(periodicName("orders", T0)).toBe(`orders-sp-${(T0 / 1000).toString(36)}`);
  });
});
