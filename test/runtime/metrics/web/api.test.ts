import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { afterEach, describe, expect, it } from "vitest";
import { type Checkpoints, type Graph, routes } from "../../../../runtime/metrics/web/schemas.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { startUiJob, UI_JOB, type UiJob, waitFor } from "./ui-job.js";

/** The web API against a real job run in this process: every response matches its schema. */

let dir: string;
tempDirEach("sabot-ui-api-", (d) => (dir = d));
let running: UiJob | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

const get = async <T>(ui: UiJob, path: string): Promise<T> => {
  const res = await fetch(`${ui.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

function checkSchema(path: keyof typeof routes, body: unknown): void {
  const errors = [...Value.Errors(routes[path], body)].map((e) => `${e.path}: ${e.message}`);
  expect(errors, `${path} does not match its schema`).toEqual([]);
}

describe("web API", () => {
  it("serves every route in its documented schema, with rates, and completed and failed checkpoints", async () => {
    const ui = (running = await startUiJob(join(dir, "out"), join(dir, "chk")));
    const cps = await waitFor("a completed checkpoint", async () => {
      const c = await get<Checkpoints>(ui, "/api/v1/checkpoints");
      return c.completed > 0 ? c : undefined;
    });
    expect(cps.history.find((e) => e.status === "completed")).toMatchObject({ kind: "checkpoint", failure: null });
    const graph = await waitFor("rates above zero", async () => {
      const g = await get<Graph>(ui, "/api/v1/graph");
      return g.nodes.every((n) => (n.recordsInPerSecond ?? 0) > 0 || n.kind === "sink") ? g : undefined;
    });
    expect(graph.nodes.map((n) => n.id)).toEqual([
      "source:bids",
      "pipeline[0].filter",
      "pipeline[1].keyBy",
      "pipeline[2].window",
      "sink:out",
    ]);
    const window = (await get<Graph>(ui, "/api/v1/graph")).nodes.find((n) => n.id === "pipeline[2].window");
    expect(window?.stateBytes).toBeGreaterThan(0);
    // Checkpoint storage turned unwritable: the job's checkpoint folder becomes a file.
    await rename(join(dir, "chk", UI_JOB), join(dir, "chk-old"));
    await writeFile(join(dir, "chk", UI_JOB), "not a folder");
    const failed = await waitFor("a failed checkpoint", async () => {
      const c = await get<Checkpoints>(ui, "/api/v1/checkpoints");
      return c.history.find((e) => e.status === "failed");
    });
    expect(failed.failure).toMatch(/\S/);
    await waitFor("two samples of history", async () =>
      (await get<{ samples: unknown[] }>(ui, "/api/v1/metrics/history")).samples.length >= 2 ? true : undefined,
    );
    for (const path of Object.keys(routes) as (keyof typeof routes)[]) checkSchema(path, await get(ui, path));
    expect((await fetch(`${ui.url}/`)).headers.get("content-type")).toMatch(/text\/html/);
    expect((await fetch(`${ui.url}/vendor/uPlot.iife.min.js`)).status).toBe(200);
    expect((await fetch(`${ui.url}/metrics`)).status).toBe(200);
  }, 30_000);

  it("refuses actions unless enabled and authorized with the bearer token", async () => {
    await mkdir(join(dir, "chk"), { recursive: true });
    const off = (running = await startUiJob(join(dir, "out"), join(dir, "chk")));
    const refused = await fetch(`${off.url}/api/v1/stop`, {
      method: "POST",
      headers: { authorization: "Bearer secret" },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/SABOT_UI_ACTIONS/);
    await off.close();
    const on = (running = await startUiJob(join(dir, "out2"), join(dir, "chk2"), { enabled: true, token: "secret" }));
    expect((await fetch(`${on.url}/api/v1/stop`, { method: "POST" })).status).toBe(403);
    expect(
      (await fetch(`${on.url}/api/v1/stop`, { method: "POST", headers: { authorization: "Bearer wrong!" } })).status,
    ).toBe(403);
    expect(
      (await fetch(`${on.url}/api/v1/savepoint`, { method: "POST", headers: { authorization: "Bearer secret" } }))
        .status,
    ).toBe(501);
    const stopped = await fetch(`${on.url}/api/v1/stop`, {
      method: "POST",
      headers: { authorization: "Bearer secret" },
    });
    expect(stopped.status).toBe(200);
    expect((await on.done).reason).toBe("stopped");
  }, 30_000);
});
