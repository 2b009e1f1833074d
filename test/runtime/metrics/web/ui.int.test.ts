import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { startUiJob, UI_JOB, type UiJob } from "./ui-job.js";

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
      await shoot(page, "watermarks");

      await page.goto(`${ui.url}/#checkpoints`);
      await textOf(page, "#checkpoints tbody tr.completed", /completed/);
      // Checkpoint storage becomes unwritable: the job's folder is replaced by a file.
      await rename(join(dir, "chk", UI_JOB), join(dir, "chk-old"));
      await writeFile(join(dir, "chk", UI_JOB), "not a folder");
      const failed = await textOf(page, "#checkpoints tbody tr.failed td.detail", /ENOTDIR|not a directory/);
      expect(failed).toContain(join(dir, "chk", UI_JOB));
      await shoot(page, "checkpoints");
    } finally {
      await ui?.close();
    }
  }, 60_000);
});
