import { describe, expect, it } from "vitest";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { specJson } from "../../../operator/streamjob/states/spec.js";
import { INVALID_STATUS, invalidStatus, statusProblem } from "../../../operator/streamjob/status-check.js";
import { jobSpec, streamJob } from "./resources/fixtures.js";

const withStatus = (status: StreamJob["status"]): StreamJob => ({ ...streamJob("orders"), status });

/** Status fields a hand edit can break, checked before the lifecycle parses them. */
describe("status check", () => {
  it("passes the specs the operator writes", () => {
    expect(statusProblem(withStatus(undefined))).toBeNull();
    expect(
      statusProblem(withStatus({ lastReconciledSpec: specJson(jobSpec()), lastStableSpec: specJson(jobSpec()) })),
    ).toBeNull();
  });

  it.each([
    ["not JSON", { lastReconciledSpec: "{not json" }, /^status\.lastReconciledSpec is not JSON/],
    ["a JSON array", { lastStableSpec: "[1,2]" }, /^status\.lastStableSpec is not a JSON object/],
    ["JSON that is no spec", { lastReconciledSpec: '{"parallelism":"many"}' }, /is not a valid spec \(spec\./],
    ["huge", { lastReconciledSpec: `"${"x".repeat(1_600_000)}"` }, /is 1600002 characters long/],
  ])("refuses %s, naming the field and the repair", (_, status, message) => {
    const problem = statusProblem(withStatus(status as StreamJob["status"]));
    expect(problem).toMatch(message);
    expect(problem).toContain("kubectl patch streamjob orders --subresource=status --type=merge");
  });

  it("sets Degraded=True (InvalidStatus) and the error, keeping the other conditions and fields", () => {
    const job = withStatus({
      phase: "Running",
      lastReconciledSpec: "{",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "JobRunning",
          message: "ok",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
        {
          type: "Degraded",
          status: "False",
          reason: "AsExpected",
          message: "",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
    });
    const s = invalidStatus(job, "broken", new Date("2026-02-01T00:00:00Z"));
    expect(s.phase).toBe("Running");
    expect(s.error).toBe("broken");
    expect(s.conditions).toEqual([
      {
        type: "Ready",
        status: "True",
        reason: "JobRunning",
        message: "ok",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
      {
        type: "Degraded",
        status: "True",
        reason: INVALID_STATUS,
        message: "broken",
        lastTransitionTime: "2026-02-01T00:00:00Z",
      },
    ]);
  });
});
