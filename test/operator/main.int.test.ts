import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { freePort } from "../env/lib/ports.js";
import { waitFor } from "../env/lib/wait.js";
import { testEnv } from "../helpers/env.js";
import { freshNamespace, installCrds, kubeConfig } from "./kube/kube.js";
import { jobSpec } from "./streamjob/resources/fixtures.js";

/** `node --import tsx operator/main.ts` as a real process: reconciles, serves /metrics and /healthz, releases its Lease on SIGTERM. */
describe("operator/main.ts", () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns = "";
  let port = 0;
  let proc: ChildProcess | undefined;
  let output = "";

  beforeAll(async () => {
    await installCrds(kc);
    ns = await freshNamespace(kc, "operator-main");
    port = await freePort();
    proc = spawn(process.execPath, ["--import", "tsx", "operator/main.ts"], {
      env: {
        ...process.env,
        KUBECONFIG: testEnv().kube.kubeconfig,
        SABOT_OPERATOR_PORT: String(port),
        SABOT_OPERATOR_WATCH_NAMESPACE: ns,
        SABOT_OPERATOR_LEASE_NAMESPACE: ns,
        SABOT_OPERATOR_IMAGE: "registry.k8s.io/pause:3.10",
        POD_NAME: "operator-main-test",
        SABOT_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill("SIGKILL");
    if (ns) await core.deleteNamespace({ name: ns });
  });

  it("serves /healthz, reconciles a job to Running, counts it in /metrics, and releases the Lease on SIGTERM", async () => {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
      what: `the operator's /healthz (output so far: ${output.slice(-500)})`,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const ref = { group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" };
    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          ...ref,
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "main-job" }, spec: jobSpec() },
        }),
      { what: "StreamJob main-job to be created", timeoutMs: 30_000 },
    );
    await waitFor(
      async () =>
        ((await custom.getNamespacedCustomObject({ ...ref, name: "main-job" })) as { status?: StreamJobStatus }).status
          ?.phase === "Running",
      { what: "main-job to be Running", timeoutMs: 90_000, intervalMs: 250 },
    );
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/sabot_operator_reconciles_total\{result="success"\} [1-9]/);
    expect(metrics).toContain("sabot_operator_reconcile_duration_seconds_bucket");
    expect(metrics).toMatch(/sabot_operator_queue_depth \d+/);
    expect(metrics).toContain("sabot_operator_leader 1");
    expect(output).toContain('"msg":"became leader"');

    proc!.kill("SIGTERM");
    const [code] = (await once(proc!, "exit")) as [number | null];
    expect(code).toBe(0);
    const lease = (await custom.getNamespacedCustomObject({
      group: "coordination.k8s.io",
      version: "v1",
      namespace: ns,
      plural: "leases",
      name: "sabot-operator-leader",
    })) as { spec: { holderIdentity?: string } };
    expect(lease.spec.holderIdentity ?? "").toBe("");
  });
});
