import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type V1CustomResourceDefinition,
  type V1Pod,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";
import { waitFor } from "../lib/wait.js";
import { GPU_NODE_LABEL, GPU_NODE_NAME, GPU_RESOURCE, GPU_TAINT } from "../services/kube.js";

interface Widget extends KubernetesObject {
  spec: { size: number; color?: string };
  status?: { phase?: string; observedSize?: number };
}

function widgetCrd(group: string): V1CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  required: ["size"],
                  properties: {
                    size: { type: "integer", minimum: 1, maximum: 10 },
                    color: { type: "string", _enum: ["red", "blue"] },
                  },
                },
                status: {
                  type: "object",
                  properties: { phase: { type: "string" }, observedSize: { type: "integer" } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe("Kubernetes test environment", () => {
  const kc = new KubeConfig();
  let core: CoreV1Api;
  const namespaces: string[] = [];
  const crds: string[] = [];

  /** A fresh namespace whose `default` ServiceAccount exists, so pods can be created in it. */
  async function namespace(): Promise<string> {
    const name = uniqueName("smoke");
    await core.createNamespace({ body: { metadata: { name } } });
    namespaces.push(name);
    await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: name }), {
      what: `ServiceAccount ${name}/default`,
      timeoutMs: 30_000,
    });
    return name;
  }

  beforeAll(() => {
    kc.loadFromFile(testEnv().kube.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await Promise.all([
      ...namespaces.map((name) => core.deleteNamespace({ name })),
      ...crds.map((name) => ext.deleteCustomResourceDefinition({ name })),
    ]);
  });

  it("serves a CRD with a structural schema: informer sees status updates, invalid objects are rejected", async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const group = `${uniqueName("t")}.smoke.sabot.dev`;
    const crd = widgetCrd(group);
    const crdName = crd.metadata?.name ?? "";
    await ext.createCustomResourceDefinition({ body: crd });
    crds.push(crdName);
    await waitFor(
      async () => {
        const c = await ext.readCustomResourceDefinition({ name: crdName });
        return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
      },
      { what: "the CRD to be Established", timeoutMs: 30_000 },
    );
    const ns = await namespace();
    const ref = { group, version: "v1", namespace: ns, plural: "widgets" };

    const informer = makeInformer<Widget>(
      kc,
      `/apis/${group}/v1/namespaces/${ns}/widgets`,
      async () => (await custom.listNamespacedCustomObject(ref)) as KubernetesListObject<Widget>,
    );
    const events: { type: "add" | "update"; widget: Widget }[] = [];
    informer.on("add", (widget) => events.push({ type: "add", widget }));
    informer.on("update", (widget) => events.push({ type: "update", widget }));
    // A client-node informer stops on any error. Right after a CRD is Established its watch cache
    // may still be initializing (429 "storage is (re)initializing", retry-after 1 s); restart as
    // client-go's reflector would, and as the client-node examples do.
    let stopped = false;
    let lastError: unknown;
    informer.on("error", (err: unknown) => {
      lastError = err;
      if (!stopped) setTimeout(() => void informer.start().catch((e: unknown) => (lastError = e)), 500);
    });
    const eventually = (what: string, pred: (e: (typeof events)[number]) => boolean) =>
      waitFor(
        async () => {
          const found = events.find(pred);
          if (!found && lastError) throw new Error(`informer error: ${String(lastError)}`);
          return found;
        },
        { what: `the informer to see ${what}`, timeoutMs: 20_000, intervalMs: 50 },
      );
    await informer.start();
    try {
      const created = (await custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1" }, spec: { size: 3, color: "red" } },
      })) as Widget;
      expect(created.metadata?.generation).toBe(1);
      // Seen through the watch, so the status write below arrives as a watch event too.
      await eventually("the new widget", (e) => e.type === "add" && e.widget.metadata?.name === "w1");

      // Through the status subresource, as a controller reports what it observed.
      await custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        name: "w1",
        body: { ...created, status: { phase: "Ready", observedSize: 3 } },
      });

      const seen = await eventually(
        "the status update",
        (e) => e.type === "update" && e.widget.status?.phase === "Ready",
      );
      expect(seen.widget.status).toEqual({ phase: "Ready", observedSize: 3 });
      // A status write does not touch the spec, so the generation stays.
      expect(seen.widget.metadata?.generation).toBe(1);
    } finally {
      stopped = true;
      await informer.stop();
    }

    const invalid = custom.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w2" }, spec: { size: 50, color: "green" } },
    });
    const err = await invalid.then(
      () => new Error("the API server accepted an object that violates the schema"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const apiErr = err as ApiException<unknown>;
    expect(apiErr.code).toBe(422);
    const body = typeof apiErr.body === "string" ? apiErr.body : JSON.stringify(apiErr.body);
    expect(body).toContain("spec.size");
    expect(body).toContain("spec.color");
  });

  function gpuPod(name: string, tolerateGpuTaint: boolean): V1Pod {
    return {
      metadata: { name },
      spec: {
        containers: [
          {
            name: "worker",
            // Never pulled: kwok plays the kubelet.
            image: "registry.k8s.io/pause:3.10",
            resources: { limits: { [GPU_RESOURCE]: "1" } },
          },
        ],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: GPU_NODE_LABEL.key, operator: "In", values: [GPU_NODE_LABEL.value] }] },
              ],
            },
          },
        },
        tolerations: tolerateGpuTaint ? [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }] : [],
      },
    };
  }

  it("schedules a GPU pod that tolerates the GPU taint onto the kwok GPU node and runs it; without the toleration it stays Pending", async () => {
    const ns = await namespace();
    await core.createNamespacedPod({ namespace: ns, body: gpuPod("tolerates", true) });
    await core.createNamespacedPod({ namespace: ns, body: gpuPod("intolerant", false) });

    const running = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ namespace: ns, name: "tolerates" });
        return p.status?.phase === "Running" ? p : undefined;
      },
      { what: "the tolerating GPU pod to be Running", timeoutMs: 60_000 },
    );
    expect(running.spec?.nodeName).toBe(GPU_NODE_NAME);

    // The scheduler has looked at it and said why it cannot place it, rather than not having tried yet.
    const unschedulable = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ namespace: ns, name: "intolerant" });
        const cond = p.status?.conditions?.find((c) => c.type === "PodScheduled");
        return cond?.status === "False" && cond.reason === "Unschedulable"
          ? { pod: p, message: cond.message ?? "" }
          : undefined;
      },
      { what: "the scheduler to mark the intolerant pod Unschedulable", timeoutMs: 60_000 },
    );
    expect(unschedulable.pod.status?.phase).toBe("Pending");
    expect(unschedulable.pod.spec?.nodeName).toBeUndefined();
    expect(unschedulable.message).toContain("untolerated taint");
  });
});
