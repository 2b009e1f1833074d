import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventObjectKey, RecentEvents } from "../../../../operator/kube/recent-events.js";
import type { StreamJob } from "../../../../operator/streamjob/job.js";
import { OperatorViewFeed } from "../../../../operator/streamjob/operator-view.js";
import { ControlClient } from "../../../../runtime/contract/rpc/loader.js";
import type { Coordinator } from "../../../../runtime/distributed/coordinator/coordinator.js";
import { coordinatorJobView } from "../../../../runtime/distributed/coordinator/web-view.js";
import { startMetricsServer } from "../../../../runtime/metrics/server.js";
import { createApi } from "../../../../runtime/metrics/web/api.js";
import { staticRoute } from "../../../../runtime/metrics/web/static-files.js";
import { closeClusters, startInProcessCluster, waitFor } from "../../../helpers/in-process-cluster.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { clusterUiJob, startUiJob, UI_JOB, type UiJob } from "./ui-job.js";

/**
 * The web UI in a real browser (Debian's chromium, .ci/system-packages.sh; playwright-core drives
 * it, no browser download) against a real job run in this process: generator -> window -> files.
 * Screenshots of each page land in test/.artifacts/ui/ (gitignored).
 */

const CHROMIUM = process.env.SABOT_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../.artifacts/ui/", import.meta.url));

let dir: string;
tempDirEach("sabot-ui-browser-", (d) => (dir = d));
let browser: Browser;

beforeAll(async () => {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
});
afterAll(async () => {
  await browser?.close();
  await closeClusters();
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until some element of `selector` has text matching `re`; returns that text. */
async function textOf(page: Page, selector: string, re: RegExp, timeout = 15_000): Promise<string> {
  const loc = page.locator(selector).filter({ hasText: re }).first();
  await loc.waitFor({ timeout });
  return (await loc.textContent()) ?? "";
}

describe("web UI in Chromium", () => {
  it("shows every operator with live rates, plots, watermarks, and completed and failed checkpoints", async () => {
    let ui: UiJob | null = null;
    try {
      ui = await startUiJob(join(dir, "out"), join(dir, "chk"));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${ui.url}/#overview`);
      await expect.poll(() => page.locator("#job-name").textContent(), { timeout: 10_000 }).toBe(UI_JOB);
      const ids = ["source:bids", "pipeline[0].filter", "pipeline[1].keyBy", "pipeline[2].window", "sink:out"];
      for (const id of ids) await page.locator(`.node[data-node-id="${id}"]`).waitFor({ timeout: 10_000 });
      // Rates rise above zero on the source and the window's output.
      await textOf(page, `.node[data-node-id="source:bids"] .rate.out`, /out [1-9][\d.]*\/s/);
      await textOf(page, `.node[data-node-id="sink:out"] .rate.in`, /in [1-9][\d.]*\/s/);
      await page.locator("#plot-rates .uplot").waitFor({ timeout: 10_000 });
      // A few seconds of samples, so the plots (and their screenshot) show lines, not a dot.
      await expect
        .poll(async () => Number(await page.locator("body").getAttribute("data-samples")), { timeout: 10_000 })
        .toBeGreaterThanOrEqual(4);
      await shoot(page, "overview");

      await page.goto(`${ui.url}/#watermarks`);
      await textOf(page, "#watermarks tbody tr", /\d/);
      // The generator's split, with its own watermark lag (one second of allowed lateness, at least).
      const split = await textOf(page, "#split-watermarks tbody tr", /bids/);
      expect(split).toMatch(/^0bids0\d+\.\d{3}$/);
      await shoot(page, "watermarks");

      await page.goto(`${ui.url}/#checkpoints`);
      await textOf(page, "#checkpoints tbody tr.completed", /completed/);
      // One chain, no exchange: nothing to align, measured as such.
      expect(await textOf(page, "#checkpoints tbody tr.completed td.alignment", /ms/)).toMatch(/^\d+\.\d ms$/);
      // Checkpoint storage becomes unwritable: the job's folder is replaced by a file.
      await rename(join(dir, "chk", UI_JOB), join(dir, "chk-old"));
      await writeFile(join(dir, "chk", UI_JOB), "not a folder");
      const failed = await textOf(page, "#checkpoints tbody tr.failed td.detail", /ENOTDIR|not a directory/);
      expect(failed).toContain(join(dir, "chk", UI_JOB));
      await shoot(page, "checkpoints");

      await page.goto(`${ui.url}/#operator`);
      await textOf(page, "#operator-reported", /does not run under the Sabot operator/);
      await shoot(page, "operator");
    } finally {
      await ui?.close();
    }
  }, 60_000);

  it("shows a distributed job's restart with its cause, per-split watermarks, alignment time, and the operator's decisions and Events", async () => {
    const manifest = clusterUiJob("ui-cluster", dir);
    const c = await startInProcessCluster(manifest, 2);
    const api = createApi(coordinatorJobView(c.service.coordinator), { enabled: false, token: null });
    const server = await startMetricsServer(c.metrics.registry, "127.0.0.1", 0, [api.route, staticRoute]);
    const url = `http://127.0.0.1:${server.port}`;
    const client = new ControlClient(c.service.address, "insecure");
    try {
      await reportOperatorView(client);
      await failSubtask(client, c.service.coordinator);
      await waitFor(() => c.service.coordinator.checkpoints.completed > 0, "a completed checkpoint");
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${url}/#overview`);
      await textOf(page, `.node[data-node-id="pipeline[1].window"] .rate.in`, /in [1-9][\d.]*\/s/);
      expect(await textOf(page, "#restarts li", /failed/)).toMatch(/subtask 1 on worker w1 failed: disk full \(test\)/);
      await shoot(page, "cluster-overview");

      await page.goto(`${url}/#watermarks`);
      await expect.poll(() => page.locator("#split-watermarks tbody tr").count(), { timeout: 10_000 }).toBe(4);
      await shoot(page, "cluster-watermarks");

      await page.goto(`${url}/#checkpoints`);
      // Two subtasks send into the window's keyed exchange: alignment takes some time.
      const aligned = await textOf(page, "#checkpoints tbody tr.completed td.alignment", /ms/);
      expect(Number.parseFloat(aligned)).toBeGreaterThan(0);
      await shoot(page, "cluster-checkpoints");

      await page.goto(`${url}/#operator`);
      await textOf(page, "#operator-reported", /Reported by the Sabot operator/);
      expect(await textOf(page, "#decisions tbody tr", /ScaleUp/)).toContain("inputRate=5200.500");
      expect(await textOf(page, "#rescales tbody tr", /autoscaler/)).toContain("1 → 2");
      expect(await textOf(page, "#events tbody tr.Warning", /CheckpointFailed/)).toContain("storage unreachable");
      await shoot(page, "cluster-operator");
    } finally {
      client.close();
      api.close();
      await server.close();
      // Before the temp folder goes: the workers write checkpoints into it until the job has stopped.
      c.service.coordinator.requestStop("user", "test over");
      // Bounded, so a job that does not stop fails here with its state, not as the test's timeout.
      let stopped = false;
      const over = () => (stopped = true);
      void c.done.then(over, over);
      await waitFor(
        () => stopped,
        () => `the job to stop (${c.service.coordinator.jobState} after 20 s)`,
      );
      await closeClusters();
    }
  }, 60_000);
});

/** Subtask 1 reports a failure, as its worker would (same RPC, its registration); the job restarts. */
async function failSubtask(client: ControlClient, coordinator: Coordinator): Promise<void> {
  await waitFor(() => coordinator.jobState === "RUNNING", "the job running");
  const w = [...coordinator.workers.values()].find((x) => x.subtask === 1)!;
  const attempt = coordinator.status().attempt;
  await client.reportTaskState({
    workerId: w.id,
    session: w.session,
    attempt,
    state: "TASK_FAILED",
    message: "disk full (test)",
    metrics: null,
  });
  await waitFor(() => coordinator.status().attempt > attempt && coordinator.jobState === "RUNNING", "the restart");
}

/** What the operator would hand this job's coordinator: one autoscaler decision, one rescale, two Events. */
async function reportOperatorView(client: ControlClient): Promise<void> {
  const job = {
    kind: "StreamJob",
    metadata: { name: "ui-cluster", namespace: "ns", uid: "u1" },
    status: {
      autoscaler: {
        lastDecision: {
          time: new Date().toISOString(),
          current: 2,
          recommended: 4,
          applied: true,
          reason: "ScaleUp",
          message: "scale up to 4: the lag grows",
          inputs: { inputRate: 5200.5, lag: 12_000 },
        },
        history: [{ time: new Date().toISOString(), from: 1, to: 2, trigger: "autoscaler", reason: "ScaleUp" }],
      },
    },
  } as unknown as StreamJob;
  const events = new RecentEvents();
  const key = eventObjectKey("StreamJob", job.metadata);
  const at = Date.now();
  events.add(key, {
    name: "e1",
    timeMs: at,
    type: "Normal",
    reason: "Running",
    message: "all workers ready",
    count: 1,
    component: "sabot-operator",
  });
  events.add(key, {
    name: "e2",
    timeMs: at,
    type: "Warning",
    reason: "CheckpointFailed",
    message: "storage unreachable",
    count: 2,
    component: "sabot-operator",
  });
  expect(await new OperatorViewFeed(events).send(job, client, "")).toBe(true);
}
