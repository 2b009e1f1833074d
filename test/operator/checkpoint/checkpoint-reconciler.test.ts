import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type CheckpointObject,
  CheckpointReconciler,
  DISPOSE_FINALIZER,
} from "../../../operator/checkpoint/checkpoint-reconciler.js";
import type { CoordinatorApi, CoordinatorClients } from "../../../operator/streamjob/coordinator-client.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import type { CheckpointInfo } from "../../../runtime/contract/rpc/messages.js";
import { streamJob } from "../streamjob/resources/fixtures.js";

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The reconciler's I/O against fakes: what it writes, for a coordinator that behaves as told. */
function harness(job: StreamJob | undefined, coordinator: Partial<CoordinatorApi>) {
  let cp: CheckpointObject | undefined;
  const events: string[] = [];
  const custom = {
    // The status writer's merge patch (RFC 7386), as the API server applies it.
    patchNamespacedCustomObjectStatus: vi.fn(async ({ body }: { body: { status: object } }) => {
      cp = { ...cp!, status: mergePatch(cp!.status ?? {}, body.status) as CheckpointObject["status"] };
      return cp;
    }),
    patchNamespacedCustomObject: vi.fn(
      async ({ body }: { body: { metadata: Partial<CheckpointObject["metadata"]> } }) => {
        const { resourceVersion: _rv, ...meta } = body.metadata;
        cp = { ...cp!, metadata: { ...cp!.metadata, ...meta } };
        return cp;
      },
    ),
  } as unknown as CustomObjectsApi;
  // Each Event recorded, by reason: a new one, or one identical to an earlier Event that raises its count.
  const reasons = new Map<string, string>();
  const core = {
    createNamespacedEvent: vi.fn(async ({ body }: { body: { reason: string; metadata: { name: string } } }) => {
      reasons.set(body.metadata.name, body.reason);
      events.push(body.reason);
    }),
    patchNamespacedEvent: vi.fn(async ({ name }: { name: string }) => events.push(reasons.get(name)!)),
  } as unknown as CoreV1Api;
  const clients = { for: () => coordinator, unavailable: () => undefined } as unknown as CoordinatorClients;
  const r = new CheckpointReconciler(
    custom,
    core,
    { checkpoint: () => cp, job: () => job },
    clients,
    pino({ level: "silent" }),
    { pollMs: 100, backoff: { baseMs: 1_000, maxMs: 8_000 }, savepointTimeoutMs: 30_000 },
  );
  return {
    set: (c: CheckpointObject) => (cp = c),
    get: () => cp!,
    events,
    reconcile: () => r.reconcile(`${cp!.metadata.namespace}/${cp!.metadata.name}`),
  };
}

const info = (over: Partial<CheckpointInfo>): CheckpointInfo => ({
  id: 5,
  kind: "savepoint",
  state: "IN_PROGRESS",
  path: "",
  bytes: 0,
  triggeredAtMs: 0,
  durationMs: 0,
  error: "",
  attempt: 1,
  ...over,
});

function checkpointOf(job: string, extra: Partial<CheckpointObject["spec"]> = {}): CheckpointObject {
  return {
    apiVersion: "sabot.dev/v1alpha1",
    kind: "Checkpoint",
    metadata: { name: "sp", namespace: "team-a", uid: "cp-uid", creationTimestamp: new Date(), resourceVersion: "1" },
    spec: { jobRef: { name: job }, backoffLimit: 1, ...extra },
  };
}

const runningJob = (): StreamJob => ({
  ...streamJob("orders", { checkpointing: { storage: "s3://b/p" }, savepointTimeout: "10s" }),
  status: { phase: "Running" },
});

describe("Checkpoint reconciler", () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse("2026-11-23T12:00:00Z"), toFake: ["Date"] }));
  afterEach(() => vi.useRealTimers());

  it("gives up on a savepoint that hangs after spec.savepointTimeout, retries, then Failed", async () => {
    const trigger = vi.fn(async () => info({}));
    const h = harness(runningJob(), { triggerSavepoint: trigger, getCheckpoint: async () => info({}) });
    h.set(checkpointOf("orders"));
    await h.reconcile(); // owner reference
    expect(h.get().metadata.ownerReferences?.[0]).toMatchObject({
      kind: "StreamJob",
      name: "orders",
      controller: false,
    });
    expect(await h.reconcile()).toBe(100);
    expect(h.get().status).toMatchObject({ phase: "InProgress", checkpointId: 5, jobGeneration: 0 });
    vi.advanceTimersByTime(5_000);
    expect(await h.reconcile()).toBe(100); // still within 10 s
    vi.advanceTimersByTime(6_000);
    expect(await h.reconcile()).toBe(1_000); // timed out: retry after the backoff
    expect(h.get().status).toMatchObject({ phase: "Pending", failedAttempts: 1 });
    expect(h.get().status?.error).toContain("did not complete within 10s");
    expect(await h.reconcile()).toBeGreaterThan(0); // still backing off: nothing triggered
    expect(trigger).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    await h.reconcile();
    expect(trigger).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(11_000);
    expect(await h.reconcile()).toBeUndefined();
    expect(h.get().status).toMatchObject({ phase: "Failed", failedAttempts: 2 });
    expect(h.events).toEqual(["InProgress", "AttemptFailed", "InProgress", "Failed"]);
  });

  it("waits, without using up attempts, while the job's coordinator is still deploying", async () => {
    let state = "DEPLOYING";
    const refused = Object.assign(new Error("the job is not running: a savepoint needs every subtask running"), {
      code: 9,
    });
    const trigger = vi.fn(async () => {
      if (state !== "RUNNING") throw refused;
      return info({});
    });
    const h = harness(runningJob(), {
      triggerSavepoint: trigger,
      getJobStatus: async () => ({ state }) as Awaited<ReturnType<CoordinatorApi["getJobStatus"]>>,
    });
    h.set(checkpointOf("orders"));
    await h.reconcile(); // owner reference
    for (let i = 0; i < 3; i++) await h.reconcile();
    expect(h.get().status).toMatchObject({ phase: "Pending" });
    expect(h.get().status?.failedAttempts ?? 0).toBe(0);
    state = "RUNNING";
    await h.reconcile();
    expect(h.get().status).toMatchObject({ phase: "InProgress", checkpointId: 5 });
  });

  it("abandons a savepoint whose job was deleted while it was in progress", async () => {
    const h = harness(undefined, {});
    h.set({
      ...checkpointOf("gone"),
      status: { phase: "InProgress", checkpointId: 3, startedAt: new Date().toISOString() },
    });
    await h.reconcile();
    expect(h.get().status).toMatchObject({
      phase: "Abandoned",
      error: "StreamJob gone was deleted while the savepoint was in progress",
    });
  });

  it("adds the dispose finalizer, and on deletion removes the files before letting go", async () => {
    const root = mkdtempSync(join(tmpdir(), "cp-reconciler-"));
    try {
      const folder = join(root, "orders", "sp-5");
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, "manifest.json"), "{}");
      const job = {
        ...runningJob(),
        spec: { ...runningJob().spec, checkpointing: { storage: pathToFileURL(root).href } },
      };
      const h = harness(job, {
        triggerSavepoint: async () => info({}),
        getCheckpoint: async () =>
          info({ state: "COMPLETED", path: pathToFileURL(folder).href, bytes: 2, durationMs: 10 }),
      });
      h.set(checkpointOf("orders", { disposeOnDelete: true }));
      await h.reconcile();
      expect(h.get().metadata.finalizers).toEqual([DISPOSE_FINALIZER]);
      await h.reconcile();
      await h.reconcile();
      expect(h.get().status?.phase).toBe("Completed");
      h.set({ ...h.get(), metadata: { ...h.get().metadata, deletionTimestamp: new Date() } });
      await h.reconcile();
      expect(existsSync(folder)).toBe(false);
      expect(h.get().metadata.finalizers).toEqual([]);
      expect(h.events).toContain("Disposed");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
