import type { V1Container, V1EnvVar, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { asStreamJob } from "../../../../operator/streamjob/job.js";
import { buildChildren } from "../../../../operator/streamjob/resources/children.js";
import { buildConfigMap } from "../../../../operator/streamjob/resources/configmap.js";
import {
  buildCoordinatorDeployment,
  buildCoordinatorService,
  coordinatorWebUrl,
} from "../../../../operator/streamjob/resources/coordinator.js";
import { nodeOptions, quantityBytes } from "../../../../operator/streamjob/resources/pod.js";
import { type OperatorSettings, operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { buildWorkerStatefulSet, buildWorkersService } from "../../../../operator/streamjob/resources/workers.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { coordinatorConfig, workerConfig } from "../../../../runtime/distributed/config.js";
import { streamJob } from "./fixtures.js";

const podOf = (obj: { spec?: { template: { spec?: V1PodSpec } } }): V1PodSpec => obj.spec!.template.spec!;
const container = (pod: V1PodSpec): V1Container => pod.containers[0]!;

/** The environment a process in the pod sees: fieldRefs resolved as the kubelet would, $(VAR) expanded. */
function processEnv(env: V1EnvVar[], pod: { name: string; ip: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    const raw = ref === "metadata.name" ? pod.name : ref === "status.podIP" ? pod.ip : (e.value ?? "");
    out[e.name] = raw.replace(/\$\(([A-Z_]+)\)/g, (_, v: string) => out[v] ?? "");
  }
  return out;
}

interface Case {
  name: string;
  spec: Partial<StreamJobSpec>;
  settings?: Partial<OperatorSettings>;
  replicas: number;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;
  nodeRequirement: { key: string; operator: string; values?: string[] } | undefined;
  tolerates: boolean;
}

const cases: Case[] = [
  {
    name: "CPU job, default settings: no GPU limits, affinity or tolerations",
    spec: { resources: { cpu: "500m", memory: "1Gi" } },
    replicas: 2,
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
    nodeRequirement: undefined,
    tolerates: false,
  },
  {
    name: "CPU job with keepCpuJobsOffGpuNodes: required anti-affinity to GPU nodes",
    spec: { parallelism: 3 },
    settings: { keepCpuJobsOffGpuNodes: true },
    replicas: 3,
    resources: undefined,
    nodeRequirement: { key: "nvidia.com/gpu.present", operator: "DoesNotExist" },
    tolerates: false,
  },
  {
    name: "GPU job: nvidia.com/gpu limit, GPU-node affinity on the default label, taint toleration",
    spec: { gpu: { count: 2 }, resources: { memory: "8Gi" } },
    settings: { keepCpuJobsOffGpuNodes: true },
    replicas: 2,
    resources: { requests: { memory: "8Gi" }, limits: { memory: "8Gi", "nvidia.com/gpu": "2" } },
    nodeRequirement: { key: "nvidia.com/gpu.present", operator: "Exists" },
    tolerates: true,
  },
  {
    name: "GPU job with its own node label key=value",
    spec: { gpu: { count: 1, nodeLabel: "accelerator=h100" } },
    replicas: 2,
    resources: { limits: { "nvidia.com/gpu": "1" } },
    nodeRequirement: { key: "accelerator", operator: "In", values: ["h100"] },
    tolerates: true,
  },
  {
    name: "gpu.count 0 is a CPU job",
    spec: { gpu: { count: 0 } },
    replicas: 2,
    resources: undefined,
    nodeRequirement: undefined,
    tolerates: false,
  },
  {
    name: "suspended job: no workers",
    spec: { state: "suspended" },
    replicas: 0,
    resources: undefined,
    nodeRequirement: undefined,
    tolerates: false,
  },
];

describe("worker StatefulSet", () => {
  it.each(cases)("$name", (c) => {
    const settings = operatorSettings(c.settings);
    const sts = buildWorkerStatefulSet(streamJob("orders", c.spec), settings);
    const pod = podOf(sts);
    expect(sts.spec!.replicas).toBe(c.replicas);
    expect(container(pod).resources).toEqual(c.resources);
    const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms?.[0]?.matchExpressions?.[0]).toEqual(c.nodeRequirement);
    expect(terms?.length ?? 1).toBe(1);
    expect(pod.tolerations).toEqual(
      c.tolerates ? [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] : undefined,
    );
    // GPU workers look for the CUDA kernels; CPU workers never do.
    expect(container(pod).env!.find((e) => e.name === "SABOT_GPU")?.value).toBe(c.tolerates ? "1" : undefined);
  });

  it("gives workers the env `sabot worker` parses: id from the pod name, advertised pod IP, coordinator Service", () => {
    const sts = buildWorkerStatefulSet(streamJob("orders", { resources: { memory: "2Gi" } }), operatorSettings());
    const env = processEnv(container(podOf(sts)).env!, { name: "orders-worker-1", ip: "10.244.0.7" });
    const config = workerConfig({}, env);
    expect(config).toMatchObject({
      coordinatorAddress: "orders-coordinator.team-a.svc:7070",
      workerId: "orders-worker-1",
      bindAddress: "0.0.0.0",
      port: 7071,
      advertisedAddress: "10.244.0.7:7071",
      metricsPort: 9090,
      shutdownTimeoutMs: 25_000,
      linger: true,
    });
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=1536");
    expect(container(podOf(sts)).args).toEqual(["worker", "--tls-dir", "/etc/sabot-tls"]);
  });

  it("serves exchange and metrics ports, probes /healthz, and is annotated for Prometheus", () => {
    const sts = buildWorkerStatefulSet(streamJob("orders"), operatorSettings());
    const c = container(podOf(sts));
    expect(c.ports).toEqual([
      { name: "exchange", containerPort: 7071, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(sts.spec!.template.metadata!.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9090",
      "prometheus.io/path": "/metrics",
    });
    expect(sts.spec!.serviceName).toBe("orders-workers");
    expect(sts.spec!.podManagementPolicy).toBe("Parallel");
  });

  it("mounts S3 credentials from the named Secret, never from the spec", () => {
    const sts = buildWorkerStatefulSet(streamJob("orders", { storageSecret: "s3-creds" }), operatorSettings());
    expect(container(podOf(sts)).envFrom).toEqual([{ secretRef: { name: "s3-creds" } }]);
    expect(container(podOf(buildWorkerStatefulSet(streamJob("orders"), operatorSettings()))).envFrom).toBeUndefined();
  });
});

describe("coordinator Deployment", () => {
  it("runs `sabot coordinator` on the mounted resolved spec with env it parses", () => {
    const job = streamJob("orders", { parallelism: 4 });
    const dep = buildCoordinatorDeployment(job, operatorSettings());
    const pod = podOf(dep);
    const c = container(pod);
    expect(c.args).toEqual(["coordinator", "/etc/sabot/job.yaml", "--tls-dir", "/etc/sabot-tls"]);
    expect(coordinatorConfig({}, processEnv(c.env!, { name: "x", ip: "10.244.0.9" }))).toMatchObject({
      bindAddress: "0.0.0.0",
      port: 7070,
      parallelism: 4,
    });
    expect(c.volumeMounts).toContainEqual({ name: "spec", mountPath: "/etc/sabot", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "spec", configMap: { name: "orders-spec" } });
    expect(c.readinessProbe?.tcpSocket).toEqual({ port: "control" });
    expect(dep.spec!.strategy).toEqual({ type: "Recreate" });
    expect(dep.spec!.replicas).toBe(1);
    expect(pod.tolerations).toBeUndefined();
  });

  it("is kept off GPU nodes with keepCpuJobsOffGpuNodes, even for a GPU job", () => {
    const dep = buildCoordinatorDeployment(
      streamJob("g", { gpu: { count: 1 } }),
      operatorSettings({ keepCpuJobsOffGpuNodes: true }),
    );
    const req =
      podOf(dep).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
        ?.matchExpressions;
    expect(req).toEqual([{ key: "nvidia.com/gpu.present", operator: "DoesNotExist" }]);
    expect(container(podOf(dep)).resources?.limits?.["nvidia.com/gpu"]).toBeUndefined();
  });

  it("exposes the Control API on a ClusterIP Service selecting only the coordinator", () => {
    const svc = buildCoordinatorService(streamJob("orders"));
    expect(svc.metadata!.name).toBe("orders-coordinator");
    expect(svc.spec!.selector).toEqual({ "sabot.dev/job": "orders", "app.kubernetes.io/component": "coordinator" });
    expect(svc.spec!.ports).toEqual([
      { name: "control", port: 7070, targetPort: "control", protocol: "TCP", appProtocol: "grpc" },
      { name: "ui", port: 8081, targetPort: "ui", protocol: "TCP", appProtocol: "http" },
    ]);
  });

  it("serves the web UI read-only on the ui port, whose in-cluster URL is status.webUrl", () => {
    const job = streamJob("orders");
    const c = podOf(buildCoordinatorDeployment(job, operatorSettings())).containers[0];
    expect(c.ports).toContainEqual({ name: "ui", containerPort: 8081, protocol: "TCP" });
    expect(c.env).toContainEqual({ name: "SABOT_UI_PORT", value: "8081" });
    expect(c.env!.map((e) => e.name)).not.toContain("SABOT_UI_ACTIONS");
    expect(coordinatorWebUrl(job)).toBe(`http://orders-coordinator.${job.metadata.namespace}.svc:8081/`);
  });
});

describe("every pod", () => {
  const job = streamJob("orders", { gpu: { count: 1 } });
  const settings = operatorSettings({ shutdownTimeoutSeconds: 40, preStopSleepSeconds: 5 });
  const pods = [
    ["coordinator", podOf(buildCoordinatorDeployment(job, settings))],
    ["worker", podOf(buildWorkerStatefulSet(job, settings))],
  ] as const;

  it.each(pods)("%s: non-root, read-only root fs, no privilege escalation, all capabilities dropped", (_, pod) => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container(pod).securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container(pod).volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it.each(pods)("%s: grace period covers the preStop pause and the drain timeout", (_, pod) => {
    expect(container(pod).lifecycle?.preStop?.sleep?.seconds).toBe(5);
    expect(pod.terminationGracePeriodSeconds).toBe(50);
    const env = processEnv(container(pod).env!, { name: "p", ip: "10.0.0.1" });
    expect(env.SABOT_SHUTDOWN_TIMEOUT).toBe("40s");
  });
});

describe("owned objects", () => {
  it("all carry the job's labels and a controller owner reference to it", () => {
    const children = buildChildren(streamJob("orders"), operatorSettings());
    expect(children.map((c) => `${c.kind}/${c.metadata!.name}`)).toEqual([
      "ConfigMap/orders-spec",
      "Service/orders-coordinator",
      "Service/orders-workers",
      "NetworkPolicy/orders-pods",
      "Deployment/orders-coordinator",
      "StatefulSet/orders-worker",
    ]);
    for (const c of children) {
      expect(c.metadata!.namespace).toBe("team-a");
      expect(c.metadata!.labels).toMatchObject({
        "app.kubernetes.io/name": "sabot",
        "app.kubernetes.io/instance": "orders",
        "app.kubernetes.io/managed-by": "sabot-operator",
        "sabot.dev/job": "orders",
      });
      expect(c.metadata!.ownerReferences).toEqual([
        {
          apiVersion: "sabot.dev/v1alpha1",
          kind: "StreamJob",
          name: "orders",
          uid: "uid-of-orders",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(buildWorkersService(streamJob("orders")).spec).toMatchObject({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      // Plain TCP: the exchange is not gRPC, so no mesh may parse it as such.
      ports: [
        { name: "exchange", port: 7071, targetPort: "exchange", protocol: "TCP" },
        { name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" },
      ],
    });
  });

  it("the ConfigMap holds the spec with defaults resolved, as a manifest the engine parses", () => {
    const cm = buildConfigMap(streamJob("orders"));
    const parsed = parseManifest(cm.data!["job.yaml"]!, "configmap");
    expect(parsed.name).toBe("orders");
    expect(parsed.spec.maxParallelism).toBe(128);
    expect(parsed.spec.sources!.bids!.generator).toMatchObject({
      kind: "nexmark-bid",
      count: 1000,
      seed: 42,
      batchSize: 8192,
    });
  });

  it("a spec change changes the pods' spec-hash annotation, so they roll", () => {
    const a = buildWorkerStatefulSet(streamJob("orders"), operatorSettings());
    const b = buildWorkerStatefulSet(streamJob("orders", { parallelism: 3 }), operatorSettings());
    const hash = (s: typeof a) => s.spec!.template.metadata!.annotations!["sabot.dev/spec-hash"];
    expect(hash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(a)).not.toBe(hash(b));
  });
});

describe("memory quantities", () => {
  it.each([
    ["512Mi", 512 * 1024 ** 2, "--max-old-space-size=384"],
    ["1G", 1e9, "--max-old-space-size=715"],
    ["2Gi", 2 * 1024 ** 3, "--max-old-space-size=1536"],
    ["lots", undefined, undefined],
  ])("%s", (q, bytes, opts) => {
    expect(quantityBytes(q)).toBe(bytes);
    expect(nodeOptions(q)).toBe(opts);
  });
});

describe("asStreamJob", () => {
  it("names what an object from the API server lacks before any builder uses it", () => {
    expect(() => asStreamJob({ kind: "StreamJob", metadata: { name: "x" }, spec: {} })).toThrow(
      "missing: metadata.namespace, metadata.uid",
    );
    expect(() => asStreamJob({ kind: "Deployment", metadata: { name: "x", namespace: "n", uid: "u" } })).toThrow(
      "missing: kind, spec",
    );
  });
});
