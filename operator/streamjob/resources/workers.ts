import type {
  V1Container,
  V1EnvVar,
  V1PodTemplateSpec,
  V1ResourceRequirements,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { childHead, childNames, labels, type StreamJob, selectorLabels } from "../job.js";
import { specHash } from "./configmap.js";
import { coordinatorAddress, desiredParallelism } from "./coordinator.js";
import { kafkaSecretVolumes } from "./kafka-secrets.js";
import {
  affinity,
  containerSecurityContext,
  GPU_RESOURCE,
  gpuCount,
  image,
  lifecycle,
  nodeOptions,
  PORTS,
  podSecurityContext,
  terminationGracePeriodSeconds,
  tolerations,
} from "./pod.js";
import { applyPodTemplate, roleTemplate } from "./pod-template.js";
import { roleService, servicePort } from "./service.js";
import type { OperatorSettings } from "./settings.js";
import { TLS_ARGS, tlsVolume, tlsVolumeMount } from "./tls-secret.js";

/** Environment of `sabot worker` (see runtime/distributed/config.ts and docs/distributed.md). */
export function workerEnv(job: StreamJob, settings: OperatorSettings): V1EnvVar[] {
  const env: V1EnvVar[] = [
    // Stable across restarts of the same ordinal, so a replacement takes over its subtask index.
    { name: "SABOT_WORKER_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "SABOT_COORDINATOR_ADDRESS", value: coordinatorAddress(job) },
    { name: "SABOT_BIND_ADDRESS", value: "0.0.0.0" },
    { name: "SABOT_WORKER_PORT", value: String(PORTS.exchange) },
    // Other workers dial the pod IP directly; $(POD_IP) is expanded by the kubelet.
    { name: "SABOT_ADVERTISED_ADDRESS", value: `$(POD_IP):${PORTS.exchange}` },
    { name: "SABOT_METRICS_PORT", value: String(PORTS.metrics) },
    { name: "SABOT_SHUTDOWN_TIMEOUT", value: `${settings.shutdownTimeoutSeconds}s` },
    { name: "SABOT_LOG_LEVEL", value: settings.logLevel },
    { name: "SABOT_LINGER", value: "true" },
  ];
  // Workers of GPU jobs look for CUDA kernels in the native addon (runtime/kernels/native.ts).
  if (gpuCount(job) > 0) env.push({ name: "SABOT_GPU", value: "1" });
  const node = nodeOptions(job.spec.resources?.memory);
  if (node) env.push({ name: "NODE_OPTIONS", value: node });
  return env;
}

export function workerResources(job: StreamJob): V1ResourceRequirements | undefined {
  const { cpu, memory } = job.spec.resources ?? {};
  const gpus = gpuCount(job);
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  // Memory is not compressible: the limit equals the request, so a worker is never OOM-killed for a neighbour.
  if (memory) requests.memory = limits.memory = memory;
  // Extended resources are limits only; the request defaults to the limit.
  if (gpus > 0) limits[GPU_RESOURCE] = String(gpus);
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return undefined;
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

export function buildWorkerStatefulSet(job: StreamJob, settings: OperatorSettings): V1StatefulSet {
  const names = childNames(job);
  return {
    ...childHead(job, "apps/v1", "StatefulSet", names.workers, "worker"),
    spec: {
      replicas: desiredParallelism(job),
      serviceName: names.workersService,
      // Workers register together and the coordinator waits for all of them; ordered start only delays it.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(job, "worker") },
      template: applyPodTemplate(workerPod(job, settings), roleTemplate(job.spec, "worker")),
    },
  };
}

/** The worker pod before the user's pod template is applied: scraped by Prometheus, restarted when the spec's hash changes. */
function workerPod(job: StreamJob, settings: OperatorSettings): V1PodTemplateSpec {
  const gpu = gpuCount(job) > 0;
  return {
    metadata: {
      labels: labels(job, "worker"),
      annotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(PORTS.metrics),
        "prometheus.io/path": "/metrics",
        "sabot.dev/spec-hash": specHash(job),
      },
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(),
      terminationGracePeriodSeconds: terminationGracePeriodSeconds(settings),
      affinity: affinity(job, settings, gpu),
      tolerations: tolerations(gpu),
      containers: [workerContainer(job, settings)],
      volumes: [
        { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
        tlsVolume(job, "worker"),
        ...kafkaSecretVolumes(job).volumes,
      ],
    },
  };
}

function workerContainer(job: StreamJob, settings: OperatorSettings): V1Container {
  return {
    name: "worker",
    image: image(job, settings),
    imagePullPolicy: settings.imagePullPolicy,
    args: ["worker", ...TLS_ARGS],
    env: workerEnv(job, settings),
    envFrom: job.spec.storageSecret ? [{ secretRef: { name: job.spec.storageSecret } }] : undefined,
    ports: [
      { name: "exchange", containerPort: PORTS.exchange, protocol: "TCP" },
      { name: "metrics", containerPort: PORTS.metrics, protocol: "TCP" },
    ],
    readinessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: {
      httpGet: { path: "/healthz", port: "metrics" },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      failureThreshold: 6,
    },
    resources: workerResources(job),
    securityContext: containerSecurityContext(),
    lifecycle: lifecycle(settings),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, tlsVolumeMount, ...kafkaSecretVolumes(job).mounts],
  };
}

/**
 * Headless: gives the StatefulSet's pods stable DNS names; not-ready pods too, so peers find a
 * starting worker. The exchange port speaks Sabot's own framed protocol over TCP (no appProtocol:
 * a service mesh must pass it through as plain TCP, not parse it as gRPC or HTTP).
 */
export function buildWorkersService(job: StreamJob): V1Service {
  return roleService(
    job,
    childNames(job).workersService,
    "worker",
    { clusterIP: "None", publishNotReadyAddresses: true },
    [servicePort("exchange"), servicePort("metrics")],
  );
}
