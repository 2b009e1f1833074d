import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sabotObject } from "../../../operator/kube/object-ref.js";
import { StatusWriter } from "../../../operator/kube/status-writer.js";
import { API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { jobSpec } from "../streamjob/resources/fixtures.js";
import { freshNamespace, installCrds, kubeConfig } from "./kube.js";

interface Job {
  metadata: { resourceVersion: string };
  status?: Record<string, unknown>;
}

/** The status writer's merge patches on a real API server: replace semantics, and the resourceVersion guard. */
describe("StatusWriter on a real API server", () => {
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let ns = "";
  const ref = () => sabotObject("streamjobs", ns, "writer");
  const read = async () => (await custom.getNamespacedCustomObject(ref())) as Job;

  beforeAll(async () => {
    kc = kubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrds(kc);
    ns = await freshNamespace(kc, "status-writer");
    const spec = jobSpec();
    const { name, plural, group, version } = ref();
    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          group,
          version,
          plural,
          namespace: ns,
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec },
        }),
      { what: "the StreamJob to be created", timeoutMs: 30_000 },
    );
  });

  afterAll(async () => {
    if (ns) await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns });
  });

  it("replaces the status (fields left out are gone) and refuses a write from a stale read with 409", async () => {
    const w = new StatusWriter(custom);
    const first = await read();
    await w.replace(ref(), first.metadata.resourceVersion, StreamJobStatus, {
      phase: "Running",
      error: "x",
      metrics: { consumerLag: 3, recordsInPerSecond: 1 },
    });
    const second = await read();
    await w.replace(ref(), second.metadata.resourceVersion, StreamJobStatus, {
      phase: "Failed",
      metrics: { recordsInPerSecond: 2 },
    });
    expect((await read()).status).toEqual({ phase: "Failed", metrics: { recordsInPerSecond: 2 } });
    await expect(
      w.replace(ref(), first.metadata.resourceVersion, StreamJobStatus, { phase: "Pending" }),
    ).rejects.toMatchObject({ code: 409 });
    expect((await read()).status?.phase).toBe("Failed");
    await w.merge(ref(), { lastCheckpoint: { path: "s3://b/chk-1", time: "2026-01-01T00:00:00Z" } });
    expect((await read()).status).toMatchObject({ phase: "Failed", lastCheckpoint: { path: "s3://b/chk-1" } });
  });
});
