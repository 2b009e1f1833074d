import { Value } from "@sinclair/typebox/value";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { emptyMetrics } from "../../../../runtime/contract/rpc/messages.js";
import { coordinatorConfig } from "../../../../runtime/distributed/config.js";
import { CoordinatorService } from "../../../../runtime/distributed/coordinator/service.js";
import { coordinatorJobView, lateRecords } from "../../../../runtime/distributed/coordinator/web-view.js";
import { startMetricsServer } from "../../../../runtime/metrics/server.js";
import { createApi } from "../../../../runtime/metrics/web/api.js";
import {
  type Checkpoints,
  type Graph,
  type JobInfo,
  routes,
  type Watermarks,
} from "../../../../runtime/metrics/web/schemas.js";
import { closeClusters, startInProcessCluster, waitFor } from "../../../helpers/in-process-cluster.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { clusterUiJob } from "../../metrics/web/ui-job.js";

/** The web API of a distributed job, from what its coordinator knows. */
afterAll(closeClusters);

let dir: string;
tempDirEach("sabot-web-view-", (d) => (dir = d));

const manifest = () => clusterUiJob("webview", dir);

describe("coordinator web view", () => {
  it("serves the job, its graph, watermarks, checkpoints and history in their schemas; stop is an action", async () => {
    const c = await startInProcessCluster(manifest(), 2);
    const api = createApi(coordinatorJobView(c.service.coordinator), { enabled: true, token: "t" });
    const server = await startMetricsServer(new Registry(), "127.0.0.1", 0, [api.route]);
    const url = `http://127.0.0.1:${server.port}`;
    try {
      const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
      await waitFor(() => c.service.coordinator.checkpoints.completed > 0, "a completed checkpoint");
      await new Promise((r) => setTimeout(r, 2100)); // two samples for the history
      for (const path of Object.keys(routes) as (keyof typeof routes)[]) {
        const body = await get(path);
        expect([...Value.Errors(routes[path], body)].map((e) => `${path} ${e.path}: ${e.message}`)).toEqual([]);
      }
      expect(await get<JobInfo>("/api/v1/job")).toMatchObject({
        name: "webview",
        state: "RUNNING",
        parallelism: 2,
        restarts: [],
      });
      const cps = await get<Checkpoints>("/api/v1/checkpoints");
      const completed = cps.history.find((e) => e.status === "completed");
      expect(completed?.path).toMatch(/^file:\/\/.*chk-\d+$/);
      // The window's chain is fed by a keyed exchange from both subtasks: its barriers are aligned.
      expect(completed?.alignmentMs).toBeGreaterThan(0);
      const aligned = (await c.metrics.checkpointAlignment.get()).values;
      expect(aligned.map((v) => v.labels.subtask).sort()).toEqual(["0", "1"]);
      // Every node has its own rates, from the records per node each worker's heartbeat carries.
      const graph = await get<Graph>("/api/v1/graph");
      for (const n of graph.nodes) expect(n.recordsInPerSecond, n.id).toBeGreaterThan(0);
      // Four generator splits, two per subtask, each with its own watermark.
      const wm = await get<Watermarks>("/api/v1/watermarks");
      expect(wm.sourceSplits.map((s) => `${s.subtask}/${s.source}/${s.split}`).sort()).toEqual([
        "0/bids/0",
        "0/bids/2",
        "1/bids/1",
        "1/bids/3",
      ]);
      for (const s of wm.sourceSplits) expect(s.watermarkLagSeconds).toBeGreaterThan(0);
      // Late records by operator (the heartbeats' node counts), never lumped together as "*".
      const operators = graph.nodes.filter((n) => n.kind === "operator").map((n) => n.id);
      for (const l of wm.lateRecords) expect(operators).toContain(l.operator);
      const stop = await fetch(`${url}/api/v1/stop`, { method: "POST", headers: { authorization: "Bearer t" } });
      expect(stop.status).toBe(200);
      expect((await c.done).status.state).toBe("STOPPED");
    } finally {
      api.close();
      await server.close();
    }
  }, 30_000);

  it("sums late records per operator over the workers' node counts; a worker without them counts under *", () => {
    const node = (id: string, late: number) => ({ id, recordsIn: 10, recordsOut: 9, lateRecords: late });
    const worker = (nodes: ReturnType<typeof node>[], late = 0) => ({
      metrics: { ...emptyMetrics(), lateRecords: late, nodes },
    });
    expect(
      lateRecords([
        worker([node("source:bids", 0), node("pipeline[1].window", 3), node("pipeline[2].window", 0)]),
        worker([node("pipeline[1].window", 4)]),
        worker([], 2),
      ]),
    ).toEqual([
      { operator: "pipeline[1].window", count: 7 },
      { operator: "*", count: 2 },
    ]);
  });

  it("serves the UI on SABOT_UI_PORT next to the Control API", async () => {
    const config = { ...coordinatorConfig({}, { SABOT_UI_PORT: "0", SABOT_TLS: "off" }), port: 0, parallelism: 1 };
    const service = await CoordinatorService.start(manifest(), config, pino({ level: "silent" }));
    try {
      expect(service.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const job = (await (await fetch(`${service.webUrl}api/v1/job`)).json()) as JobInfo;
      expect(job).toMatchObject({ name: "webview", state: "WAITING_FOR_WORKERS", actionsEnabled: false });
      expect((await fetch(`${service.webUrl}api/v1/stop`, { method: "POST" })).status).toBe(403);
      expect((await fetch(service.webUrl!)).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
