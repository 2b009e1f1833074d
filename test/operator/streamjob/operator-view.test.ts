import type { CoreV1Api } from "@kubernetes/client-node";
import { Value } from "@sinclair/typebox/value";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_EVENT_LIMITS } from "../../../operator/kube/event-limits.js";
import { EventRecorder } from "../../../operator/kube/events.js";
import { RecentEvents } from "../../../operator/kube/recent-events.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { OperatorViewFeed } from "../../../operator/streamjob/operator-view.js";
import { ControlClient } from "../../../runtime/contract/rpc/loader.js";
import type { AutoscalerDecision } from "../../../runtime/contract/status/autoscaler.js";
import { coordinatorConfig } from "../../../runtime/distributed/config.js";
import { CoordinatorService } from "../../../runtime/distributed/coordinator/service.js";
import { type OperatorView, routes } from "../../../runtime/metrics/web/schemas.js";
import { auctionWindowJob } from "../../helpers/test-jobs.js";

/**
 * The operator's autoscaler decisions and the job's Events reach the coordinator's web UI over the
 * Control API (ReportOperatorView): a real coordinator with its gRPC server and UI, the operator's
 * real client, and an EventRecorder against a fake API server (only its writes are faked).
 */

const services: CoordinatorService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function coordinator(): Promise<CoordinatorService> {
  const env = { SABOT_UI_PORT: "0", SABOT_TLS: "off" };
  const config = { ...coordinatorConfig({}, env), port: 0, parallelism: 1 };
  const manifest = auctionWindowJob({
    name: "fed",
    seed: 1,
    partitions: 1,
    batchSize: 100,
    rate: 100,
    maxOutOfOrderness: "1s",
    aggregate: ["count(*) AS bids"],
  });
  const s = await CoordinatorService.start(manifest, config, pino({ level: "silent" }));
  services.push(s);
  return s;
}

const decision = (time: string, reason: string, recommended: number): AutoscalerDecision => ({
  time,
  current: 2,
  recommended,
  applied: recommended !== 2,
  reason,
  message: `${reason}: the lag grows`,
  inputs: { inputRate: 5200.5, lag: 12000, busyRatio: 0.93, subtasks: 2 },
});

function streamJob(last: AutoscalerDecision): StreamJob {
  return {
    apiVersion: "sabot.dev/v1alpha1",
    kind: "StreamJob",
    metadata: { name: "fed", namespace: "ns", uid: "uid-fed" },
    spec: {} as StreamJob["spec"],
    status: {
      autoscaler: {
        lastDecision: last,
        history: [{ time: "2026-12-06T10:00:00Z", from: 1, to: 2, trigger: "autoscaler", reason: "ScaleUp" }],
      },
    } as StreamJob["status"],
  };
}

/** Events recorded on the job as the operator's recorders do, into their own store. */
async function recordEvents(store: RecentEvents, job: StreamJob): Promise<void> {
  const core = {
    createNamespacedEvent: async () => ({}),
    patchNamespacedEvent: async () => ({}),
  } as unknown as CoreV1Api;
  const r = new EventRecorder(core, "sabot-operator", pino({ level: "silent" }), DEFAULT_EVENT_LIMITS, Date.now, store);
  await r.record(job, "Normal", "Deployed", "coordinator and 2 workers applied");
  await r.record(job, "Warning", "CheckpointFailed", "storage unreachable");
  await r.record(job, "Warning", "CheckpointFailed", "storage unreachable");
}

/** The operator's gRPC client to a coordinator started with SABOT_TLS=off. */
const control = (address: string) => new ControlClient(address, "insecure");

async function uiView(s: CoordinatorService): Promise<OperatorView> {
  const body = (await (await fetch(`${s.webUrl}api/v1/operator`)).json()) as OperatorView;
  expect([...Value.Errors(routes["/api/v1/operator"], body)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  return body;
}

describe("operator view over ReportOperatorView", () => {
  it("shows the operator's decisions with inputs, rescales and Events, sent only when the coordinator holds another digest", async () => {
    const s = await coordinator();
    expect((await uiView(s)).reportedAt).toBeNull();
    const store = new RecentEvents();
    let job = streamJob(decision("2026-12-06T10:05:00Z", "ScaleUp", 4));
    await recordEvents(store, job);
    const feed = new OperatorViewFeed(store);
    const client = control(s.address);
    try {
      expect((await client.getJobStatus()).operatorViewDigest).toBe("");
      expect(await feed.send(job, client, "")).toBe(true);
      const held = (await client.getJobStatus()).operatorViewDigest;
      expect(held).toBe(feed.report(job, Date.now()).digest);
      expect(await feed.send(job, client, held)).toBe(false);

      const v = await uiView(s);
      expect(v.reportedAt).toBeGreaterThan(0);
      expect(v.decisions).toEqual([
        {
          at: Date.parse("2026-12-06T10:05:00Z"),
          current: 2,
          recommended: 4,
          applied: true,
          reason: "ScaleUp",
          message: "ScaleUp: the lag grows",
          inputs: { inputRate: 5200.5, lag: 12000, busyRatio: 0.93, subtasks: 2 },
        },
      ]);
      expect(v.rescales).toEqual([
        {
          at: Date.parse("2026-12-06T10:00:00Z"),
          from: 1,
          to: 2,
          trigger: "autoscaler",
          reason: "ScaleUp",
          effectiveness: null,
        },
      ]);
      // Newest first; the repeated Warning is one Event with count 2.
      expect(v.events.map((e) => [e.type, e.reason, e.count, e.component])).toEqual([
        ["Warning", "CheckpointFailed", 2, "sabot-operator"],
        ["Normal", "Deployed", 1, "sabot-operator"],
      ]);

      // The next evaluation: a new decision is added to those before it.
      job = streamJob(decision("2026-12-06T10:06:00Z", "Steady", 2));
      expect(await feed.send(job, client, (await client.getJobStatus()).operatorViewDigest)).toBe(true);
      expect((await uiView(s)).decisions.map((d) => d.reason)).toEqual(["Steady", "ScaleUp"]);
    } finally {
      client.close();
    }
  });

  it("sends again to a new coordinator (it holds no digest), which a job's restart or move brings", async () => {
    const store = new RecentEvents();
    const job = streamJob(decision("2026-12-06T10:05:00Z", "ScaleUp", 4));
    await recordEvents(store, job);
    const feed = new OperatorViewFeed(store);
    for (const s of [await coordinator(), await coordinator()]) {
      const client = control(s.address);
      try {
        expect(await feed.send(job, client, (await client.getJobStatus()).operatorViewDigest)).toBe(true);
        expect((await uiView(s)).events).toHaveLength(2);
      } finally {
        client.close();
      }
    }
  });
});
