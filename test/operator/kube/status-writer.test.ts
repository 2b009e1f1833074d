import { ApiException, type CustomObjectsApi } from "@kubernetes/client-node";
import { describe, expect, it, vi } from "vitest";
import { type DesiredCondition, mergeConditions } from "../../../operator/kube/conditions.js";
import { sabotObject } from "../../../operator/kube/object-ref.js";
import { StatusWriter } from "../../../operator/kube/status-writer.js";
import { AutoscalerStatus } from "../../../runtime/contract/status/autoscaler.js";
import type { Condition } from "../../../runtime/contract/status/condition.js";
import { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";

function writer(fail?: number) {
  const patches: { name: string; body: unknown; contentType: string | undefined }[] = [];
  const custom = {
    patchNamespacedCustomObjectStatus: vi.fn(
      async (req: { name: string; body: unknown }, options?: { middleware?: unknown[] }) => {
        if (fail) throw new ApiException(fail, "failed", {}, {});
        patches.push({ name: req.name, body: req.body, contentType: contentTypeOf(options) });
        return {};
      },
    ),
  } as unknown as CustomObjectsApi;
  return { w: new StatusWriter(custom), patches };
}

/** The Content-Type the client's header middleware would send. */
function contentTypeOf(options: unknown): string | undefined {
  const mw = (options as { middleware?: { pre(ctx: unknown): Promise<unknown> }[] } | undefined)?.middleware?.[0];
  let type: string | undefined;
  void mw?.pre({ setHeaderParam: (_k: string, v: string) => (type = v) });
  return type;
}

const ref = sabotObject("streamjobs", "team-a", "orders");

describe("StatusWriter", () => {
  it("replaces the whole status with a merge patch guarded by the resourceVersion read", async () => {
    const { w, patches } = writer();
    expect(await w.replace(ref, "42", StreamJobStatus, { phase: "Running", metrics: { recordsInPerSecond: 1 } })).toBe(
      true,
    );
    const body = patches[0]!.body as { metadata: unknown; status: Record<string, unknown> };
    expect(body.metadata).toEqual({ resourceVersion: "42" });
    expect(body.status).toMatchObject({ phase: "Running", upgrade: null, error: null, autoscaler: null });
    // Nested objects are replaced whole too: no stale field of the previous metrics survives.
    expect(body.status.metrics).toEqual({
      recordsInPerSecond: 1,
      recordsOutPerSecond: null,
      consumerLag: null,
      updatedAt: null,
    });
    expect(patches[0]!.contentType).toBe("application/merge-patch+json");
  });

  it("merges only the fields a writer owns, unguarded", async () => {
    const { w, patches } = writer();
    await w.merge(ref, { lastCheckpoint: { path: "s3://b/chk-1", time: "2026-01-01T00:00:00Z" } });
    expect(patches[0]!.body).toEqual({
      status: { lastCheckpoint: { path: "s3://b/chk-1", time: "2026-01-01T00:00:00Z" } },
    });
  });

  it("replaces one field whole, leaving the rest of the status alone", async () => {
    const { w, patches } = writer();
    await w.replaceField(ref, "autoscaler", AutoscalerStatus, { dryRun: true });
    const status = (patches[0]!.body as { status: Record<string, Record<string, unknown>> }).status;
    expect(Object.keys(status)).toEqual(["autoscaler"]);
    expect(status.autoscaler).toMatchObject({
      dryRun: true,
      pendingScaleDown: null,
      history: null,
      lastDecision: null,
    });
  });

  it("says false when the object is gone, and throws a conflict for the caller to retry", async () => {
    expect(await writer(404).w.merge(ref, { phase: "Running" })).toBe(false);
    await expect(writer(409).w.replace(ref, "1", StreamJobStatus, {})).rejects.toMatchObject({ code: 409 });
  });

  describe("replaceIfChanged", () => {
    const T0 = new Date("2026-01-01T00:00:00Z");
    const T1 = new Date("2026-01-01T00:05:00Z");
    const ready = (status: "True" | "False", message = "2 workers ready"): DesiredCondition => ({
      type: "Ready",
      status,
      reason: "JobRunning",
      message,
      observedGeneration: 3,
    });
    // The status as the API server returns it: keys sorted, fields written as null gone.
    const read = {
      metadata: { resourceVersion: "7" },
      status: {
        conditions: mergeConditions(undefined, [ready("True")], T0).map((c) =>
          Object.fromEntries(Object.entries(c).sort()),
        ),
        observedGeneration: 3,
        parallelism: 2,
        phase: "Running",
      },
    };
    const next = (over: object = {}, condition = ready("True"), now = T1) => ({
      phase: "Running",
      observedGeneration: 3,
      parallelism: 2,
      error: undefined,
      conditions: mergeConditions(read.status.conditions as Condition[], [condition], now),
      ...over,
    });

    it("sends nothing when the new status equals the one read (in another key order, with undefined fields)", async () => {
      const { w, patches } = writer();
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, next())).toBe("unchanged");
      expect(patches).toEqual([]);
    });

    it("writes, guarded by the resourceVersion read, when a field changes", async () => {
      const { w, patches } = writer();
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, next({ parallelism: 1 }))).toBe("written");
      expect(patches[0]!.body).toMatchObject({ metadata: { resourceVersion: "7" }, status: { parallelism: 1 } });
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, next({ error: "boom" }))).toBe("written");
      expect(patches).toHaveLength(2);
    });

    it("writes a condition's new message keeping its lastTransitionTime, and a new status with a new one", async () => {
      const { w, patches } = writer();
      const statusOf = (i: number) =>
        (patches[i]!.body as { status: { conditions: { status: string; lastTransitionTime: string }[] } }).status
          .conditions[0];
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, next({}, ready("True", "3 workers ready")))).toBe(
        "written",
      );
      expect(statusOf(0)).toMatchObject({ status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" });
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, next({}, ready("False")))).toBe("written");
      expect(statusOf(1)).toMatchObject({ status: "False", lastTransitionTime: "2026-01-01T00:05:00Z" });
    });

    it("writes a status that lost a field, and says when the object is gone", async () => {
      const { w } = writer();
      const { parallelism: _p, ...without } = next();
      expect(await w.replaceIfChanged(ref, read, StreamJobStatus, without)).toBe("written");
      expect(await writer(404).w.replaceIfChanged(ref, read, StreamJobStatus, next({ phase: "Failed" }))).toBe("gone");
    });
  });
});
