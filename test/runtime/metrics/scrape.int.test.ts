import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../env/lib/ports.js";
import { testEnv } from "../../helpers/env.js";
import { addScrapeTarget, removeScrapeTarget, waitForPromValue } from "../../helpers/prometheus.js";

describe("engine metrics", () => {
  it("are scraped by Prometheus from a running `sabot run --metrics-port`", async () => {
    const port = await freePort();
    const bin = new URL("../../../bin/sabot.js", import.meta.url).pathname;
    // A throttled, unbounded generator keeps the job running while Prometheus scrapes it.
    const manifest = join(mkdtempSync(join(tmpdir(), "sabot-metrics-")), "job.yaml");
    writeFileSync(
      manifest,
      readFileSync(new URL("../../../examples/nexmark/q7.yaml", import.meta.url), "utf8").replace(
        "count: 1000000",
        "ratePerSecond: 50000",
      ),
    );
    const child = spawn(
      process.execPath,
      [bin, "run", "-q", manifest, "--duration", "20s", "--metrics-port", String(port)],
      {
        stdio: "ignore",
        env: { ...process.env, SABOT_LOG_LEVEL: "warn" },
      },
    );
    const target = `127.0.0.1:${port}`;
    try {
      await addScrapeTarget(testEnv(), target);
      const value = await waitForPromValue(
        testEnv(),
        'sum(sabot_operator_records_in_total{job_name="nexmark-q7", operator="pipeline[1].window"})',
        (v) => v > 0,
        { timeoutMs: 30_000 },
      );
      expect(value).toBeGreaterThan(0);
    } finally {
      await removeScrapeTarget(testEnv(), target);
      child.kill("SIGTERM");
    }
  });
});
