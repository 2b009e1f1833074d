import type { CustomObjectsApi } from "@kubernetes/client-node";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { COORDINATOR_NONSENSE } from "../../../operator/streamjob/coordinator-answer.js";
import type { CoordinatorClients } from "../../../operator/streamjob/coordinator-client.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { JobObserver } from "../../../operator/streamjob/job-observer.js";
import type { JobStatus, MetricsSummary } from "../../../runtime/contract/rpc/messages.js";
import type { Condition } from "../../../runtime/contract/status/condition.js";
import { streamJob } from "./resources/fixtures.js";

/** The observer with in-process fakes: a coordinator that answers `status`, and what it writes or records. */
function observer(status: Partial<JobStatus>, conditions: Condition[] = []) {
  const job: StreamJob = { ...streamJob("orders"), status: { phase: "Running", conditions } };
  const patches: unknown[] = [];
  const events: [string, string, string][] = [];
  const coordinator = {
    getJobStatus: async () => ({ state: "RUNNING", attempt: 1, lastCheckpoint: null, ...status }) as JobStatus,
    getMetricsSummary: async () =>
      ({
        attempt: 1,
        total: { recordsIn: 1, recordsOut: 1, consumerLag: 0 },
        workers: [],
      }) as unknown as MetricsSummary,
    reportOperatorView: async () => ({}),
  };
  // Fakes of the two API clients: only the methods the observer calls on this path.
  const custom = {
    patchNamespacedCustomObjectStatus: async (req: unknown) => patches.push(req),
  } as unknown as CustomObjectsApi;
  const clients = { for: () => coordinator, unavailable: () => {}, forget: () => {} } as unknown as CoordinatorClients;
  const o = new JobObserver(custom, { job: () => job }, () => [], clients, pino({ level: "silent" }), {
    intervalMs: 1000,
    events: { record: async (_s, type, reason, message) => void events.push([type, reason, message]) },
  });
  return { observe: () => o.observe("team-a/orders"), patches, events };
}

describe("job observer and a coordinator that answers nonsense", () => {
  it("copies nothing into the status and records a Warning Event with the reason", async () => {
    const o = observer({ state: "BANANA" as JobStatus["state"] });
    await o.observe();
    // The one status write is the Degraded condition that says so: nothing of the answer.
    expect(o.patches).toHaveLength(1);
    const { conditions, ...copied } = (o.patches[0] as { body: { status: { conditions: Condition[] } } }).body.status;
    expect(copied).toEqual({});
    expect(conditions).toEqual([
      expect.objectContaining({
        type: "Degraded",
        status: "True",
        reason: COORDINATOR_NONSENSE,
        message: expect.stringContaining('an unknown job state "BANANA"'),
      }),
    ]);
    expect(o.events).toEqual([
      [
        "Warning",
        COORDINATOR_NONSENSE,
        'the coordinator answered an unknown job state "BANANA"; nothing of its answer was copied into the status',
      ],
    ]);
  });

  it("records nothing for an honest answer", async () => {
    const o = observer({});
    await o.observe();
    expect(o.events).toEqual([]);
    expect(o.patches.some((p) => JSON.stringify(p).includes("conditions"))).toBe(false);
  });

  it("clears its Degraded condition at the first honest answer, and leaves another reason's alone", async () => {
    const at = "2026-12-06T10:00:00Z";
    const ours: Condition = {
      type: "Degraded",
      status: "True",
      reason: COORDINATOR_NONSENSE,
      message: "the coordinator answered nonsense",
      lastTransitionTime: at,
    };
    const o = observer({}, [ours]);
    await o.observe();
    const written = o.patches.map((p) => (p as { body: { status: { conditions?: Condition[] } } }).body.status);
    expect(written[0]?.conditions).toEqual([
      expect.objectContaining({ type: "Degraded", status: "False", reason: "AsExpected" }),
    ]);
    const other = observer({ state: "BANANA" as JobStatus["state"] }, [{ ...ours, reason: "DeployTimeout" }]);
    await other.observe();
    expect(other.patches).toEqual([]);
    expect(other.events).toHaveLength(1);
  });
});
