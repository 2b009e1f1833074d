import { pathToFileURL } from "node:url";
import { Value } from "@sinclair/typebox/value";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { coordinatorConfig } from "../../../../runtime/distributed/config.js";
import { CoordinatorService } from "../../../../runtime/distributed/coordinator/service.js";
import { coordinatorJobView } from "../../../../runtime/distributed/coordinator/web-view.js";
import { startMetricsServer } from "../../../../runtime/metrics/server.js";
import { createApi } from "../../../../runtime/metrics/web/api.js";
import { type Checkpoints, type JobInfo, routes } from "../../../../runtime/metrics/web/schemas.js";
import { closeClusters, startInProcessCluster, waitFor } from "../../../helpers/in-process-cluster.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { auctionWindowJob } from "../../../helpers/test-jobs.js";

/** The web API of a distributed job, from what its coordinator knows. */
afterAll(closeClusters);

let dir: string;
tempDirEach("sabot-web-view-", (d) => (dir = d));

const manifest = () =>
  auctionWindowJob({
    name: "webview",
    seed: 4,
    partitions: 4,
    batchSize: 500,
    rate: 20_000,
    maxOutOfOrderness: "1s",
    aggregate: ["count(*) AS bids"],
    checkpointing: { interval: "300ms", storage: pathToFileURL(dir).href },
  });

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
      expect(cps.history.find((e) => e.status === "completed")?.path).toMatch(/^file:\/\/.*chk-\d+$/);
      const stop = await fetch(`${url}/api/v1/stop`, { method: "POST", headers: { authorization: "Bearer t" } });
      expect(stop.status).toBe(200);
      expect((await c.done).status.state).toBe("STOPPED");
    } finally {
      api.close();
      await server.close();
    }
  }, 30_000);

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
