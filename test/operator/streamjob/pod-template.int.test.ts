import { AutoscalingV2Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import { waitFor } from "../../env/lib/wait.js";
import { KWOK_NODE_ANNOTATION } from "../../env/services/kube-nodes.js";
import { uniqueName } from "../../helpers/names.js";
import { freshNamespace, installCrds, kubeConfig, kubectl } from "../kube/kube.js";
import { jobSpec } from "./resources/fixtures.js";

/**
 * spec.podTemplate through the operator and the real API server, scheduler and StatefulSet and
 * Deployment controllers (kwok plays the kubelets): the pods the controllers create carry the
 * template, the scheduler places them on a tainted node only the template's toleration and
 * nodeSelector allow, and an HPA finds the job's pods through the scale subresource's selector.
 */
describe("pod templates and the scale selector on a real API server", () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns = "";
  let operator: OperatorManager | undefined;
  // A node of this test's own, tainted like the environment's real node, so no other test's pods land there.
  const node = uniqueName("sabot-tpl");
  const taint = { key: "sabot.dev/template-test", value: node, effect: "NoSchedule" };
  const log = pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" });
  const ref = () => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" });

  beforeAll(async () => {
    kc = kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrds(kc);
    ns = await freshNamespace(kc, "pod-template");
    const resources = { cpu: "16", memory: "64Gi", pods: "110" };
    await core.createNode({
      body: {
        metadata: {
          name: node,
          annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value },
          labels: { "kubernetes.io/hostname": node, "kubernetes.io/os": "linux", "sabot.dev/pool": node },
        },
        spec: { taints: [taint] },
        status: { capacity: resources, allocatable: resources },
      },
    });
    // The pods' ServiceAccount must exist, or the API server refuses them.
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "payments-jobs" } } });
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
    await core.deleteNode({ name: node }).catch(() => undefined);
  });

  const spec = (): StreamJobSpec =>
    jobSpec({
      parallelism: 2,
      resources: { cpu: "500m", memory: "1Gi" },
      coordinator: { resources: { cpu: "300m", memory: "768Mi" } },
      podTemplate: {
        metadata: { labels: { team: "payments" }, annotations: { "example.com/owner": "payments" } },
        spec: {
          serviceAccountName: "payments-jobs",
          imagePullSecrets: [{ name: "registry-creds" }],
          nodeSelector: { "sabot.dev/pool": node },
          tolerations: [{ key: taint.key, operator: "Equal", value: taint.value, effect: "NoSchedule" }],
          securityContext: { fsGroup: 2000 },
          volumes: [{ name: "certs", secret: { secretName: "kafka-tls", optional: true } }],
          containers: [
            {
              name: "sabot-main-container",
              env: [
                {
                  name: "AWS_ACCESS_KEY_ID",
                  valueFrom: { secretKeyRef: { name: "s3-creds", key: "access-key", optional: true } },
                },
              ],
              envFrom: [{ secretRef: { name: "s3-env", optional: true } }],
              volumeMounts: [{ name: "certs", mountPath: "/etc/kafka-tls", readOnly: true }],
              securityContext: { runAsUser: 1001 },
            },
          ],
        },
      },
      worker: {
        podTemplate: {
          metadata: { labels: { role: "worker" } },
          spec: { containers: [{ name: "log-shipper", image: "registry.k8s.io/pause:3.10" }] },
        },
      },
    });

  async function scheduledPods(job: string, component: string, count: number): Promise<V1Pod[]> {
    return waitFor(
      async () => {
        const { items } = await core.listNamespacedPod({
          namespace: ns,
          labelSelector: `sabot.dev/job=${job},app.kubernetes.io/component=${component}`,
        });
        return items.length === count && items.every((p) => p.spec?.nodeName) ? items : undefined;
      },
      { what: `${count} scheduled ${component} pods of ${job}`, timeoutMs: 60_000, intervalMs: 300 },
    );
  }

  it("the created pods carry the template and are placed by its toleration and nodeSelector", async () => {
    await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          ...ref(),
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "payments" }, spec: spec() },
        }),
      { what: "StreamJob payments to be created", timeoutMs: 30_000 },
    );
    const workers = await scheduledPods("payments", "worker", 2);
    const [coordinator] = await scheduledPods("payments", "coordinator", 1);

    for (const pod of [...workers, coordinator!]) {
      const role = pod.metadata!.labels!["app.kubernetes.io/component"]!;
      expect(pod.spec!.nodeName, pod.metadata!.name).toBe(node);
      expect(pod.metadata!.labels).toMatchObject({ team: "payments" });
      expect(pod.metadata!.annotations).toMatchObject({ "example.com/owner": "payments" });
      expect(pod.spec!.serviceAccountName).toBe("payments-jobs");
      expect(pod.spec!.imagePullSecrets).toEqual([{ name: "registry-creds" }]);
      expect(pod.spec!.securityContext).toMatchObject({ fsGroup: 2000, runAsNonRoot: true });
      expect(pod.spec!.volumes?.map((v) => v.name)).toContain("certs");
      const main = pod.spec!.containers[0]!;
      expect(main.name).toBe(role);
      expect(main.env?.find((e) => e.name === "AWS_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef).toEqual({
        name: "s3-creds",
        key: "access-key",
        optional: true,
      });
      expect(main.envFrom).toContainEqual({ secretRef: { name: "s3-env", optional: true } });
      expect(main.volumeMounts).toContainEqual({ name: "certs", mountPath: "/etc/kafka-tls", readOnly: true });
      expect(main.securityContext).toMatchObject({ runAsUser: 1001, readOnlyRootFilesystem: true });
    }
    for (const w of workers) {
      expect(w.metadata!.labels).toMatchObject({ role: "worker" });
      expect(w.spec!.containers.map((c) => c.name)).toEqual(["worker", "log-shipper"]);
      expect(w.metadata!.annotations?.["kubectl.kubernetes.io/default-container"]).toBe("worker");
      expect(w.spec!.containers[0]!.resources).toEqual({
        requests: { cpu: "500m", memory: "1Gi" },
        limits: { memory: "1Gi" },
      });
    }
    expect(coordinator!.spec!.containers.map((c) => c.name)).toEqual(["coordinator"]);
    expect(coordinator!.spec!.containers[0]!.resources).toEqual({
      requests: { cpu: "300m", memory: "768Mi" },
      limits: { memory: "768Mi" },
    });
  });

  it("the scale subresource shows the worker pods' selector; an HPA can target the StreamJob", async () => {
    const want = "sabot.dev/job=payments,app.kubernetes.io/component=worker";
    const scale = await waitFor(
      async () => {
        const s = await custom.getNamespacedCustomObjectScale({ ...ref(), name: "payments" });
        return (s as { status?: { selector?: string } }).status?.selector
          ? (s as { status: { selector: string; replicas: number } })
          : undefined;
      },
      { what: "status.selector on the scale subresource", timeoutMs: 30_000 },
    );
    expect(scale.status.selector).toBe(want);
    const raw = JSON.parse(
      await kubectl(ns, "get", "--raw", `/apis/${API_GROUP}/v1alpha1/namespaces/${ns}/streamjobs/payments/scale`),
    ) as {
      kind: string;
      spec: { replicas: number };
      status: { selector: string };
    };
    expect(raw).toMatchObject({ kind: "Scale", spec: { replicas: 2 }, status: { selector: want } });
    const { items } = await core.listNamespacedPod({ namespace: ns, labelSelector: raw.status.selector });
    expect(items.map((p) => p.metadata!.name).sort()).toEqual(["payments-worker-0", "payments-worker-1"]);

    // The HPA controller reads the scale and its selector; without one it reports InvalidSelector.
    // (No metrics API runs here, so it cannot compute a recommendation, only get that far.)
    const hpa = kc.makeApiClient(AutoscalingV2Api);
    await hpa.createNamespacedHorizontalPodAutoscaler({
      namespace: ns,
      body: {
        metadata: { name: "payments" },
        spec: {
          scaleTargetRef: { apiVersion: API_VERSION, kind: "StreamJob", name: "payments" },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
          ],
        },
      },
    });
    const conditions = await waitFor(
      async () => {
        const h = await hpa.readNamespacedHorizontalPodAutoscaler({ name: "payments", namespace: ns });
        const c = h.status?.conditions ?? [];
        return c.some((x) => x.type === "ScalingActive") ? c : undefined;
      },
      { what: "the HPA controller to evaluate the StreamJob", timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(conditions.find((c) => c.type === "AbleToScale")).toMatchObject({
      status: "True",
      reason: "SucceededGetScale",
    });
    expect(conditions.find((c) => c.type === "ScalingActive")?.reason).not.toBe("InvalidSelector");
  });

  it("a template the API server refuses shows as an ApplyFailed Event with the API server's reason", async () => {
    // Passes the CRD and the spec check (dnsPolicy is passed through), not the API server's validation.
    const bad = jobSpec({ podTemplate: { spec: { dnsPolicy: "Sometimes" } } });
    await custom.createNamespacedCustomObject({
      ...ref(),
      body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "bad-dns" }, spec: bad },
    });
    const event = await waitFor(
      async () => {
        const { items } = await core.listNamespacedEvent({
          namespace: ns,
          fieldSelector: "involvedObject.name=bad-dns,reason=ApplyFailed",
        });
        return items[0];
      },
      { what: "an ApplyFailed Event on bad-dns", timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(event.type).toBe("Warning");
    expect(event.message).toContain("dnsPolicy");
    expect(event.message).toContain("spec.podTemplate");
  });

  it("kubectl explain describes the new fields", async () => {
    const text = await waitFor(
      async () => {
        const out = await kubectl(ns, "explain", "streamjobs.spec.podTemplate.spec.tolerations");
        return out.includes("Taints the pods tolerate") ? out : undefined;
      },
      { what: "kubectl explain to show the published CRD schema", timeoutMs: 30_000, intervalMs: 1_000 },
    );
    expect(text).toContain("effect");
    expect(await kubectl(ns, "explain", "streamjobs.spec.parallelism")).toContain("worker pods");
  });
});
