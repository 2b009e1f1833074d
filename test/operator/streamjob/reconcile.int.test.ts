import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { freshNamespace, installCertificateCrd, installCrds, kubeConfig, kubectl } from "../kube/kube.js";
import { jobSpec } from "./resources/fixtures.js";

/**
 * The operator in this process against the real API server, controller-manager and scheduler,
 * with kwok as the kubelets (it marks pods Running and Ready; no container really starts).
 */
describe("StreamJob reconciler on a real API server", () => {
  const applies = async (result: string) =>
    (await operator!.metrics.childApplies.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let ns = "";
  let operator: OperatorManager | undefined;
  const log = pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" });
  const ref = () => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" });

  beforeAll(async () => {
    kc = kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrds(kc);
    ns = await freshNamespace(kc, "operator-ctl");
    operator = new OperatorManager(
      kc,
      {
        settings: operatorSettings({ image: "registry.k8s.io/pause:3.10" }),
        namespace: ns,
        identity: "test-operator",
        lease: { namespace: ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
        resyncMs: 10_000,
      },
      log,
    );
    operator.start();
    await waitFor(async () => operator!.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });
  });

  afterAll(async () => {
    await operator?.stop();
    if (ns) await core.deleteNamespace({ name: ns });
  });

  async function createJob(name: string, spec: StreamJobSpec): Promise<void> {
    // A fresh CRD's watch cache may still be initializing; creation then answers 429/503 for a moment.
    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          ...ref(),
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec },
        }),
      { what: `StreamJob ${name} to be created`, timeoutMs: 30_000 },
    );
  }

  async function status(name: string): Promise<{ generation: number; status?: StreamJobStatus }> {
    const job = (await custom.getNamespacedCustomObject({ ...ref(), name })) as {
      metadata: { generation: number };
      status?: StreamJobStatus;
    };
    return { generation: job.metadata.generation, status: job.status };
  }

  async function phase(name: string, want: string, timeoutMs = 60_000): Promise<StreamJobStatus> {
    return waitFor(
      async () => {
        const s = await status(name);
        return s.status?.phase === want && s.status.observedGeneration === s.generation ? s.status : undefined;
      },
      { what: `StreamJob ${name} to be ${want}`, timeoutMs, intervalMs: 250 },
    );
  }

  async function eventReasons(name: string): Promise<string[]> {
    const { items } = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `involvedObject.name=${name},involvedObject.kind=StreamJob`,
    });
    return items
      .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
      .map((e) => e.reason ?? "");
  }

  const cond = (s: StreamJobStatus, type: string) => s.conditions?.find((c) => c.type === type);

  it("creates a job's children and takes it Deploying → Running with conditions and Events", async () => {
    const appliedAtStart = await applies("applied");
    await createJob("orders", jobSpec({ parallelism: 2 }));
    await waitFor(() => apps.readNamespacedStatefulSet({ name: "orders-worker", namespace: ns }), {
      what: "the worker StatefulSet",
      timeoutMs: 30_000,
    });
    await apps.readNamespacedDeployment({ name: "orders-coordinator", namespace: ns });
    await core.readNamespacedConfigMap({ name: "orders-spec", namespace: ns });
    await core.readNamespacedService({ name: "orders-workers", namespace: ns });
    await core.readNamespacedService({ name: "orders-coordinator", namespace: ns });

    const running = await phase("orders", "Running", 90_000);
    expect(running.parallelism).toBe(2);
    expect(running.desiredParallelism).toBe(2);
    expect(cond(running, "Ready")).toMatchObject({ status: "True", reason: "JobRunning" });
    expect(cond(running, "Progressing")).toMatchObject({ status: "False", reason: "Stable" });
    expect(cond(running, "Degraded")).toMatchObject({ status: "False" });
    // The StatefulSet controller counted kwok's pods as ready.
    const sts = await apps.readNamespacedStatefulSet({ name: "orders-worker", namespace: ns });
    expect(sts.status?.readyReplicas).toBe(2);
    await waitFor(async () => (await eventReasons("orders")).join(",") === "Deploying,Running", {
      what: "Events Deploying then Running",
      timeoutMs: 10_000,
    });
    const readySince = cond(running, "Ready")!.lastTransitionTime;

    // Another reconcile (a resync or an unrelated change) leaves the transition time alone, and
    // sends no apply: the children already carry this build's hash; nor a status write: the
    // status it computes is the one the API server holds.
    // Applied once from Pending to Running: reconciles that ran before the informers saw the new
    // workloads did not send them again.
    expect((await applies("applied")) - appliedAtStart).toBe(1);
    const writes = async (result: string) =>
      (await operator!.metrics.statusWrites.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    const [appliedBefore, skippedBefore] = [await applies("applied"), await applies("skipped")];
    const [writtenBefore, unchangedBefore] = [await writes("written"), await writes("unchanged")];
    await kubectl(ns, "annotate", "streamjob/orders", "touched=yes");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(cond((await status("orders")).status!, "Ready")!.lastTransitionTime).toBe(readySince);
    expect(await applies("skipped")).toBeGreaterThan(skippedBefore);
    expect(await applies("applied")).toBe(appliedBefore);
    expect(await writes("unchanged")).toBeGreaterThan(unchangedBefore);
    expect(await writes("written")).toBe(writtenBefore);

    // A child deleted by hand comes back at once: its delete event clears what was applied.
    const uid = sts.metadata!.uid;
    await apps.deleteNamespacedStatefulSet({ name: "orders-worker", namespace: ns });
    // (A 404 while it is gone is retried by waitFor.)
    await waitFor(
      async () =>
        (await apps.readNamespacedStatefulSet({ name: "orders-worker", namespace: ns })).metadata?.uid !== uid ||
        undefined,
      {
        what: "the deleted StatefulSet to be re-created",
        timeoutMs: 30_000,
      },
    );
  });

  it("`kubectl scale` changes the worker StatefulSet's replicas and the status follows", async () => {
    await kubectl(ns, "scale", "streamjob/orders", "--replicas=3");
    await waitFor(
      async () => (await apps.readNamespacedStatefulSet({ name: "orders-worker", namespace: ns })).spec?.replicas === 3,
      {
        what: "3 worker replicas",
        timeoutMs: 30_000,
      },
    );
    const running = await phase("orders", "Running", 90_000);
    expect(running.parallelism).toBe(3);
    expect(running.desiredParallelism).toBe(3);
  });

  it("suspends to zero replicas (saying there is no savepoint) and resumes", async () => {
    await kubectl(
      ns,
      "patch",
      "streamjob/orders",
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { state: "suspended" } }),
    );
    const suspended = await phase("orders", "Suspended", 90_000);
    expect(suspended.parallelism).toBe(0);
    expect(cond(suspended, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    expect(cond(suspended, "Ready")!.message).toContain("without a savepoint");
    expect((await apps.readNamespacedStatefulSet({ name: "orders-worker", namespace: ns })).spec?.replicas).toBe(0);
    expect((await apps.readNamespacedDeployment({ name: "orders-coordinator", namespace: ns })).spec?.replicas).toBe(0);

    await kubectl(
      ns,
      "patch",
      "streamjob/orders",
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { state: "running" } }),
    );
    expect((await phase("orders", "Running", 90_000)).parallelism).toBe(3);
  });

  it("puts a spec the engine rejects (but the CRD accepts) in Failed with the engine's error, deploying nothing", async () => {
    // `aggregate` without a window in its step: valid per the CRD schema and CEL, refused by runtime/contract/spec.
    await createJob(
      "bad-agg",
      jobSpec({ pipeline: [{ from: "bids", filter: "price > 100", aggregate: ["count(*)"] }, { to: "out" }] }),
    );
    const failed = await phase("bad-agg", "Failed", 30_000);
    expect(failed.error).toContain("spec.pipeline[0].aggregate: aggregate needs a window in the same step");
    expect(cond(failed, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(cond(failed, "Degraded")).toMatchObject({ status: "True", reason: "InvalidSpec" });
    const { items } = await apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: "sabot.dev/job=bad-agg" });
    expect(items).toHaveLength(0);
    await waitFor(async () => (await eventReasons("bad-agg")).includes("Failed"), {
      what: "a Failed Event",
      timeoutMs: 10_000,
    });

    // Fixing the spec recovers the job.
    await kubectl(
      ns,
      "patch",
      "streamjob/bad-agg",
      "--type=json",
      "-p",
      JSON.stringify([{ op: "remove", path: "/spec/pipeline/0/aggregate" }]),
    );
    const fixed = await phase("bad-agg", "Running", 90_000);
    expect(fixed.error).toBeUndefined();
  });

  it("with spec.tls.issuerRef and no Secrets from cert-manager yet, deploys no pods and says CertificatesPending", async () => {
    await installCertificateCrd(kc);
    await createJob("cm-wait", jobSpec({ tls: { issuerRef: { name: "team-ca", kind: "ClusterIssuer" } } }));
    const pending = await waitFor(
      async () =>
        (
          await core.listNamespacedEvent({
            namespace: ns,
            fieldSelector: "involvedObject.name=cm-wait,reason=CertificatesPending",
          })
        ).items[0],
      { what: "a CertificatesPending Event", timeoutMs: 30_000 },
    );
    expect(pending.type).toBe("Warning");
    expect(pending.message).toContain("cm-wait");
    const sets = await apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: "sabot.dev/job=cm-wait" });
    expect(sets.items).toHaveLength(0);
  });

  it("a status edited into nonsense by hand: the job is Degraded (InvalidStatus) with the repair, the operator goes on, removing the field redeploys", async () => {
    await createJob("hand-edited", jobSpec({ parallelism: 1 }));
    await phase("hand-edited", "Running", 90_000);
    const patchStatus = (status: object) =>
      kubectl(
        ns,
        "patch",
        "streamjob/hand-edited",
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status }),
      );
    const degraded = (reason: string) =>
      waitFor(
        async () => {
          const s = (await status("hand-edited")).status;
          const d = s && cond(s, "Degraded");
          return d?.status === "True" && d.reason === reason ? s : undefined;
        },
        { what: `hand-edited to be Degraded (${reason})`, timeoutMs: 30_000, intervalMs: 250 },
      );

    await patchStatus({ lastReconciledSpec: "{not json" });
    const notJson = await degraded("InvalidStatus");
    expect(notJson.error).toMatch(/^status\.lastReconciledSpec is not JSON/);
    expect(notJson.error).toContain(`kubectl patch streamjob hand-edited --subresource=status`);
    await waitFor(async () => (await eventReasons("hand-edited")).includes("InvalidStatus"), {
      what: "an InvalidStatus Event",
      timeoutMs: 10_000,
    });
    await patchStatus({ lastReconciledSpec: JSON.stringify({ parallelism: "many", sources: 7 }) });
    await waitFor(
      async () => (await status("hand-edited")).status?.error?.includes("lastReconciledSpec is not a valid spec"),
      { what: "the second edit to be reported", timeoutMs: 30_000, intervalMs: 250 },
    );
    // Nothing was built from it: the workers are as they were.
    const sts = await apps.readNamespacedStatefulSet({ name: "hand-edited-worker", namespace: ns });
    expect(sts.spec?.replicas).toBe(1);

    // The operator goes on with other jobs meanwhile.
    await createJob("bystander", jobSpec({ parallelism: 1 }));
    await phase("bystander", "Running", 90_000);

    // Removing the field, as the message says, redeploys from spec and clears the condition.
    await patchStatus({ lastReconciledSpec: null });
    await waitFor(
      async () => {
        const s = (await status("hand-edited")).status;
        return s?.phase === "Running" && cond(s, "Degraded")?.status === "False" ? s : undefined;
      },
      { what: "hand-edited to be redeployed and Running", timeoutMs: 90_000, intervalMs: 250 },
    );
    for (const name of ["hand-edited", "bystander"]) await custom.deleteNamespacedCustomObject({ ...ref(), name });
  });

  it("deleting a StreamJob removes its children (owner references)", async () => {
    await custom.deleteNamespacedCustomObject({ ...ref(), name: "bad-agg" });
    await waitFor(
      async () => {
        const [sts, cms, svcs] = await Promise.all([
          apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: "sabot.dev/job=bad-agg" }),
          core.listNamespacedConfigMap({ namespace: ns, labelSelector: "sabot.dev/job=bad-agg" }),
          core.listNamespacedService({ namespace: ns, labelSelector: "sabot.dev/job=bad-agg" }),
        ]);
        return sts.items.length + cms.items.length + svcs.items.length === 0;
      },
      { what: "bad-agg's children to be garbage-collected", timeoutMs: 60_000, intervalMs: 500 },
    );
    const text = await operator!.metrics.registry.metrics();
    expect(text).toMatch(/sabot_operator_reconciles_total\{result="success"\} [1-9]/);
    expect(text).toContain("sabot_operator_queue_depth");
  });
});
