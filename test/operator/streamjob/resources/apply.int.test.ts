import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
  type V1Pod,
} from "@kubernetes/client-node";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRD_FILES, renderCrd } from "../../../../operator/crd/write-crds.js";
import { asStreamJob, type StreamJob } from "../../../../operator/streamjob/job.js";
import { buildChildren } from "../../../../operator/streamjob/resources/children.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import type { CheckpointStatus } from "../../../../runtime/contract/status/checkpoint.js";
import type { StreamJobStatus } from "../../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../../env/lib/wait.js";
import { kubectlPath } from "../../../env/services/kube.js";
import { CPU_NODE_NAME, GPU_NODE_NAME } from "../../../env/services/kube-nodes.js";
import { testEnv } from "../../../helpers/env.js";
import { uniqueName } from "../../../helpers/names.js";
import { jobSpec } from "./fixtures.js";

/**
 * The builders' objects against the real API server and scheduler: the CRDs are accepted, the
 * owned objects pass validation and admission, the StatefulSet controller makes the pods, and the
 * scheduler places GPU workers on the GPU node and CPU workers off it (kwok plays the kubelets).
 */
describe("operator resources on a real API server", () => {
  const kc = new KubeConfig();
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let objects: KubernetesObjectApi;
  let ns = "";
  // Pods are never pulled or started by kwok; the image only has to be a valid reference.
  const settings = operatorSettings({ image: "registry.k8s.io/pause:3.10", keepCpuJobsOffGpuNodes: true });
  const jobs = () => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" });

  beforeAll(async () => {
    kc.loadFromFile(testEnv().kube.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    objects = KubernetesObjectApi.makeApiClient(kc);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    // From the committed YAML through loadYaml: client-node's typed serializer knows JSONSchemaProps
    // fields by their TypeScript names (`_enum`, `_default`, `x_kubernetes_…`) and silently drops
    // `enum`, `default` and `x-kubernetes-*` written as plain JSON.
    const crds = CRD_FILES.map(({ file }) => loadYaml<V1CustomResourceDefinition>(renderCrd(file)));
    // Server-side apply: idempotent against an environment where an earlier run installed them.
    for (const crd of crds)
      await objects.patch(crd, undefined, undefined, "sabot-tests", true, PatchStrategy.ServerSideApply);
    for (const crd of crds) {
      const name = crd.metadata!.name!;
      await waitFor(
        async () =>
          (await ext.readCustomResourceDefinition({ name })).status?.conditions?.some(
            (c) => c.type === "Established" && c.status === "True",
          ),
        { what: `CRD ${name} to be Established`, timeoutMs: 30_000 },
      );
    }
    ns = uniqueName("operator-res");
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: ns }), {
      what: `ServiceAccount ${ns}/default`,
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    if (ns) await core.deleteNamespace({ name: ns });
  });

  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(kubectlPath(), [
      "--kubeconfig",
      testEnv().kube.kubeconfig,
      "-n",
      ns,
      ...args,
    ]);
    return stdout;
  }

  async function createJob(name: string, extra: Partial<StreamJobSpec>): Promise<StreamJob> {
    // A fresh CRD's watch cache may still be initializing; creation then answers 429/503 for a moment.
    return waitFor(
      async () =>
        asStreamJob(
          (await custom.createNamespacedCustomObject({
            ...jobs(),
            body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec: jobSpec(extra) },
          })) as StreamJob,
        ),
      { what: `StreamJob ${name} to be created`, timeoutMs: 30_000 },
    );
  }

  async function deploy(job: StreamJob): Promise<void> {
    for (const child of buildChildren(job, settings)) await objects.create(child);
  }

  async function runningPods(job: string, component: string, count: number): Promise<V1Pod[]> {
    return waitFor(
      async () => {
        const { items } = await core.listNamespacedPod({
          namespace: ns,
          labelSelector: `sabot.dev/job=${job},app.kubernetes.io/component=${component}`,
        });
        return items.length === count && items.every((p) => p.status?.phase === "Running") ? items : undefined;
      },
      { what: `${count} Running ${component} pods of ${job}`, timeoutMs: 90_000, intervalMs: 500 },
    );
  }

  async function refusal(manifest: object): Promise<{ code: number; text: string }> {
    const err = await custom.createNamespacedCustomObject({ ...jobs(), body: manifest }).then(
      () => new Error("the API server accepted an invalid StreamJob"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const apiErr = err as ApiException<unknown>;
    const body = (typeof apiErr.body === "string" ? JSON.parse(apiErr.body) : apiErr.body) as { message?: string };
    // What kubectl prints: the Status message.
    return { code: apiErr.code, text: body.message ?? "" };
  }

  it("runs a GPU job's workers on the GPU node and a CPU job's workers and coordinators off it", async () => {
    const cpu = await createJob("cpu-job", { parallelism: 3, resources: { cpu: "500m", memory: "1Gi" } });
    const gpu = await createJob("gpu-job", { parallelism: 2, gpu: { count: 1 }, resources: { memory: "4Gi" } });
    await deploy(cpu);
    await deploy(gpu);

    const gpuWorkers = await runningPods("gpu-job", "worker", 2);
    expect(gpuWorkers.map((p) => p.spec?.nodeName)).toEqual([GPU_NODE_NAME, GPU_NODE_NAME]);
    expect(gpuWorkers.map((p) => p.metadata?.name).sort()).toEqual(["gpu-job-worker-0", "gpu-job-worker-1"]);
    const cpuWorkers = await runningPods("cpu-job", "worker", 3);
    expect(cpuWorkers.map((p) => p.spec?.nodeName)).toEqual([CPU_NODE_NAME, CPU_NODE_NAME, CPU_NODE_NAME]);
    for (const job of ["cpu-job", "gpu-job"]) {
      const [coordinator] = await runningPods(job, "coordinator", 1);
      expect(coordinator!.spec?.nodeName).toBe(CPU_NODE_NAME);
    }

    // The kubelet's view of what the API server stored: the GPU limit and the security context survive admission.
    const stored = gpuWorkers[0]!.spec!.containers[0]!;
    expect(stored.resources?.limits?.["nvidia.com/gpu"]).toBe("1");
    expect(stored.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(gpuWorkers[0]!.metadata?.ownerReferences?.[0]?.kind).toBe("StatefulSet");
  });

  it("stores the job's NetworkPolicy with its sources: the gRPC ports are not open to everyone", async () => {
    // kubectl's JSON is the wire form: client-node writes `from` from `_from` and would drop a plain one.
    const policy = JSON.parse(await kubectl("get", "networkpolicy", "cpu-job-pods", "-o", "json")) as {
      metadata: { ownerReferences: { kind: string; name: string }[] };
      spec: { podSelector: unknown; policyTypes: string[]; ingress: { ports: { port: number }[]; from?: unknown[] }[] };
    };
    expect(policy.metadata.ownerReferences).toMatchObject([{ kind: "StreamJob", name: "cpu-job" }]);
    expect(policy.spec.podSelector).toEqual({ matchLabels: { "sabot.dev/job": "cpu-job" } });
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    const sources = (port: number) =>
      policy.spec.ingress.filter((r) => r.ports.some((p) => p.port === port)).map((r) => r.from);
    expect(sources(7071)).toEqual([[{ podSelector: { matchLabels: { "sabot.dev/job": "cpu-job" } } }]]);
    expect(sources(7070)).toEqual([
      [{ podSelector: { matchLabels: { "sabot.dev/job": "cpu-job" } } }],
      settings.networkPolicy.operatorFrom,
    ]);
    // Metrics and UI: no `from`, every source (the settings' default).
    expect(sources(9090)).toEqual([undefined]);
    expect(sources(8081)).toEqual([undefined]);
  });

  it("accepts the operator's status on the status subresource and refuses an unknown phase", async () => {
    const job = asStreamJob((await custom.getNamespacedCustomObject({ ...jobs(), name: "cpu-job" })) as StreamJob);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const status: StreamJobStatus = {
      phase: "Running",
      observedGeneration: job.metadata.generation,
      parallelism: 3,
      desiredParallelism: 3,
      conditions: [
        {
          type: "Ready",
          status: "True",
          lastTransitionTime: now,
          reason: "JobRunning",
          message: "3 of 3 workers running",
        },
      ],
      lastCheckpoint: { path: "s3://bucket/cpu-job/chk-7", time: now },
      metrics: { recordsInPerSecond: 1000.5, recordsOutPerSecond: 10, consumerLag: 42 },
      autoscaler: { dryRun: false, history: [] },
    };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({
      ...jobs(),
      name: "cpu-job",
      body: { ...job, status },
    })) as StreamJob;
    expect(updated.status).toEqual(status);

    const bad = await custom
      .replaceNamespacedCustomObjectStatus({
        ...jobs(),
        name: "cpu-job",
        body: { ...updated, status: { phase: "Dancing" } },
      })
      .then(
        () => undefined,
        (e: unknown) => e as ApiException<unknown>,
      );
    expect(bad?.code).toBe(422);
    expect(JSON.stringify(bad?.body)).toContain("status.phase");

    const table = (await kubectl("get", "streamjobs")).split("\n");
    expect(table[0]).toMatch(/^NAME\s+PHASE\s+PARALLELISM\s+LAG\s+LAST CHECKPOINT\s+AGE$/);
    expect(table.find((l) => l.startsWith("cpu-job"))).toMatch(/^cpu-job\s+Running\s+3\s+42\s+\d+s\s+\d+s$/);
  });

  it("`kubectl scale` sets spec.parallelism through the scale subresource", async () => {
    await kubectl("scale", "streamjob/gpu-job", "--replicas=3");
    const job = asStreamJob((await custom.getNamespacedCustomObject({ ...jobs(), name: "gpu-job" })) as StreamJob);
    expect(job.spec.parallelism).toBe(3);
    expect(job.metadata.generation).toBe(2);
  });

  it("stores a Checkpoint owned by its job, and refuses a change to its spec (CEL)", async () => {
    const job = asStreamJob((await custom.getNamespacedCustomObject({ ...jobs(), name: "gpu-job" })) as StreamJob);
    const ref = { group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "checkpoints" };
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: API_VERSION,
        kind: "Checkpoint",
        metadata: {
          name: "before-upgrade",
          ownerReferences: [
            { apiVersion: API_VERSION, kind: "StreamJob", name: job.metadata.name, uid: job.metadata.uid },
          ],
        },
        spec: { jobRef: { name: "gpu-job" }, type: "savepoint" },
      },
    })) as KubernetesObject & { spec: Record<string, unknown> };
    // Defaults from the schema, applied by the API server.
    expect(created.spec).toEqual({
      jobRef: { name: "gpu-job" },
      type: "savepoint",
      disposeOnDelete: false,
      backoffLimit: 3,
    });

    const status: CheckpointStatus = {
      phase: "Completed",
      path: "s3://b/gpu-job/sp-1",
      sizeBytes: 1234,
      durationMs: 250,
      checkpointId: 1,
      jobGeneration: 1,
      failedAttempts: 0,
    };
    const done = (await custom.replaceNamespacedCustomObjectStatus({
      ...ref,
      name: "before-upgrade",
      body: { ...created, status },
    })) as { status?: unknown };
    expect(done.status).toEqual(status);

    const changed = await custom
      .replaceNamespacedCustomObject({
        ...ref,
        name: "before-upgrade",
        body: { ...done, spec: { ...created.spec, jobRef: { name: "cpu-job" } } },
      })
      .then(
        () => undefined,
        (e: unknown) => e as ApiException<unknown>,
      );
    expect(changed?.code).toBe(422);
    expect(JSON.stringify(changed?.body)).toContain("a Checkpoint's spec cannot be changed");
  });

  it("refuses invalid StreamJobs with messages naming the field and the rule", async () => {
    const manifest = (name: string, spec: object) => ({
      apiVersion: API_VERSION,
      kind: "StreamJob",
      metadata: { name },
      spec,
    });

    const schema = await refusal(manifest("bad-schema", { ...jobSpec(), parallelism: 0, upgradeMode: "yolo" }));
    expect(schema.code).toBe(422);
    expect(schema.text).toContain("spec.parallelism");
    expect(schema.text).toContain("should be greater than or equal to 1");
    expect(schema.text).toContain("spec.upgradeMode");

    const cel = await refusal(
      manifest("bad-cel", { ...jobSpec(), autoscaler: { enabled: true, minParallelism: 8, maxParallelism: 2 } }),
    );
    expect(cel.code).toBe(422);
    expect(cel.text).toContain("spec.autoscaler");
    expect(cel.text).toContain("autoscaler.minParallelism must be <= autoscaler.maxParallelism");

    const step = await refusal(manifest("bad-step", { ...jobSpec(), pipeline: [{ filter: "x > 1", to: "out" }] }));
    expect(step.text).toContain("a step needs exactly one of filter");

    const longName = await refusal(manifest("a".repeat(41), jobSpec()));
    expect(longName.code).toBe(422);
    expect(longName.text).toContain("at most 40 characters");
  });

  it("accepts every example manifest in examples/ (dry run)", async () => {
    const dir = new URL("../../../../examples/", import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.ya?ml$/.test(f));
    const manifests = files
      .map((f) => ({ file: f, doc: yaml.load(readFileSync(new URL(f, dir), "utf8")) as { kind?: string } }))
      .filter((m) => m.doc?.kind === "StreamJob");
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      const stored = await custom
        .createNamespacedCustomObject({ ...jobs(), body: m.doc, dryRun: "All" })
        .catch(
          (e: unknown) =>
            new Error(`examples/${m.file} was refused: ${e instanceof ApiException ? String(e.body) : String(e)}`),
        );
      expect(stored).not.toBeInstanceOf(Error);
    }
  });

  it("deleting a StreamJob garbage-collects everything the builders made (owner references)", async () => {
    const owned = () =>
      Promise.all([
        core.listNamespacedConfigMap({ namespace: ns, labelSelector: "sabot.dev/job=cpu-job" }),
        core.listNamespacedService({ namespace: ns, labelSelector: "sabot.dev/job=cpu-job" }),
      ]);
    const [configMaps, services] = await owned();
    expect([configMaps.items.length, services.items.length]).toEqual([1, 2]);
    await custom.deleteNamespacedCustomObject({ ...jobs(), name: "cpu-job" });
    await waitFor(
      async () => {
        const [cms, svcs] = await owned();
        return cms.items.length === 0 && svcs.items.length === 0;
      },
      { what: "the garbage collector to delete cpu-job's ConfigMap and Services", timeoutMs: 60_000, intervalMs: 500 },
    );
    const gone = await objects
      .read({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "cpu-job-worker", namespace: ns } })
      .then(
        () => false,
        (e: unknown) => e instanceof ApiException && e.code === 404,
      );
    expect(gone).toBe(true);
  });
});
