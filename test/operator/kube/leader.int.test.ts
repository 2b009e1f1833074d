import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { jobSpec } from "../streamjob/resources/fixtures.js";
import { freshNamespace, installCrds, kubeConfig } from "./kube.js";

async function reconciles(m: OperatorManager): Promise<number> {
  const { values } = await m.metrics.reconciles.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe("two operator replicas and one Lease", () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns = "";
  const replicas: OperatorManager[] = [];
  const log = pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" });
  const ref = () => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" });

  beforeAll(async () => {
    kc = kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrds(kc);
    ns = await freshNamespace(kc, "operator-lease");
    for (const identity of ["replica-a", "replica-b"])
      replicas.push(
        new OperatorManager(
          kc,
          {
            settings: operatorSettings({ image: "registry.k8s.io/pause:3.10" }),
            namespace: ns,
            identity,
            lease: { namespace: ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 250 },
            resyncMs: 5_000,
          },
          log,
        ),
      );
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    if (ns) await core.deleteNamespace({ name: ns });
  });

  async function running(name: string): Promise<void> {
    await waitFor(
      async () =>
        ((await custom.getNamespacedCustomObject({ ...ref(), name })) as { status?: StreamJobStatus }).status?.phase ===
        "Running",
      { what: `${name} to be Running`, timeoutMs: 90_000, intervalMs: 250 },
    );
  }

  it("only the Lease holder reconciles; the other takes over when it stops", async () => {
    for (const r of replicas) r.start();
    const leader = await waitFor(async () => replicas.find((r) => r.isLeader), { what: "a leader", timeoutMs: 15_000 });
    const follower = replicas.find((r) => r !== leader)!;

    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          ...ref(),
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "first" }, spec: jobSpec() },
        }),
      { what: "StreamJob first to be created", timeoutMs: 30_000 },
    );
    // Sample leadership while the job deploys: never two leaders at once.
    let twoLeaders = 0;
    const sampler = setInterval(() => {
      if (replicas.filter((r) => r.isLeader).length > 1) twoLeaders++;
    }, 50);
    try {
      await running("first");
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      clearInterval(sampler);
    }
    expect(twoLeaders).toBe(0);
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(follower)).toBe(0);
    expect(follower.isLeader).toBe(false);
    const lease = (await custom.getNamespacedCustomObject({
      group: "coordination.k8s.io",
      version: "v1",
      namespace: ns,
      plural: "leases",
      name: "sabot-operator-leader",
    })) as {
      spec: { holderIdentity?: string };
    };
    expect(lease.spec.holderIdentity).toBe(leader === replicas[0] ? "replica-a" : "replica-b");

    // The leader stops (and releases the Lease): the follower leads and reconciles new work.
    await leader.stop();
    await waitFor(async () => follower.isLeader, { what: "the follower to take over", timeoutMs: 10_000 });
    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          ...ref(),
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "second" }, spec: jobSpec() },
        }),
      { what: "StreamJob second to be created", timeoutMs: 30_000 },
    );
    await running("second");
    expect(await reconciles(follower)).toBeGreaterThan(0);
    expect(leader.isLeader).toBe(false);
  });

  it("takes over a Lease whose holder died without releasing it, only after the lease duration", async () => {
    const leases = { group: "coordination.k8s.io", version: "v1", namespace: ns, plural: "leases" };
    const renewTime = new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
    await custom.createNamespacedCustomObject({
      ...leases,
      body: {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "crashed-leader" },
        spec: {
          holderIdentity: "ghost",
          leaseDurationSeconds: 3,
          renewTime,
          acquireTime: renewTime,
          leaseTransitions: 0,
        },
      },
    });
    const survivor = new OperatorManager(
      kc,
      {
        settings: operatorSettings(),
        namespace: ns,
        identity: "survivor",
        lease: { namespace: ns, name: "crashed-leader", durationMs: 3_000, retryPeriodMs: 250 },
      },
      log,
    );
    replicas.push(survivor);
    const started = Date.now();
    survivor.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(survivor.isLeader).toBe(false);
    await waitFor(async () => survivor.isLeader, { what: "the survivor to take the expired Lease", timeoutMs: 10_000 });
    // Expiry is measured from when the survivor first saw the ghost's renewTime, on its own clock.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    const lease = (await custom.getNamespacedCustomObject({ ...leases, name: "crashed-leader" })) as {
      spec: { holderIdentity?: string; leaseTransitions?: number };
    };
    expect(lease.spec).toMatchObject({ holderIdentity: "survivor", leaseTransitions: 1 });
  });
});
