import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Gauge, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";
import { addScrapeTarget, queryPrometheus, removeScrapeTarget, waitForPromValue } from "../../helpers/prometheus.js";

describe("Prometheus test environment", () => {
  it("scrapes a prom-client endpoint and answers a PromQL query with the value that was set", async () => {
    const env = testEnv();
    const run = uniqueName("smoke");
    // Own registry: the default one is process-global and shared with code under test.
    const registry = new Registry();
    const gauge = new Gauge({
      name: "sabot_smoke_value",
      help: "set by the smoke test",
      labelNames: ["run"],
      registers: [registry],
    });
    gauge.set({ run }, 42.5);

    const server = createServer((_req, res) => {
      void registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await addScrapeTarget(env, target, { smoke: run });
      const query = `sabot_smoke_value{run="${run}"}`;
      expect(await waitForPromValue(env, query, 42.5)).toBe(42.5);

      // The target's extra labels from the file_sd entry end up on the series.
      const samples = await queryPrometheus(env, query);
      expect(samples).toHaveLength(1);
      expect(samples[0].labels).toMatchObject({ job: "sabot", instance: target, smoke: run });
    } finally {
      await removeScrapeTarget(env, target);
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
