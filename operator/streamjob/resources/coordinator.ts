import { createHash } from "node:crypto";
import type { V1Deployment, V1EnvVar, V1Service } from "@kubernetes/client-node";
import { childHead, childNames, labels, type StreamJob, selectorLabels } from "../job.js";
import { specHash } from "./configmap.js";
import {
  affinity,
  containerSecurityContext,
  image,
  lifecycle,
  nodeOptions,
  PORTS,
  podSecurityContext,
  SPEC_DIR,
  SPEC_FILE,
  terminationGracePeriodSeconds,
} from "./pod.js";
import { applyPodTemplate, roleTemplate } from "./pod-template.js";
import { roleService, servicePort } from "./service.js";
import type { OperatorSettings } from "./settings.js";
import { TLS_ARGS, tlsVolume, tlsVolumeMount } from "./tls-secret.js";

/** Desired workers: none while suspended (the reconciler takes the savepoint before that). */
export function desiredParallelism(job: StreamJob): number {
  return job.spec.state === "suspended" ? 0 : (job.spec.parallelism ?? 1);
}

/** SABOT_RESTORE_FROM value that starts the job without state, ignoring its own checkpoints. */
export const RESTORE_NOTHING = "none";

/** How the lifecycle deploys a job's spec (operator/streamjob/states). */
export interface DeployOptions {
  /**
   * Storage URL of the savepoint or checkpoint folder the coordinator restores (SABOT_RESTORE_FROM):
   * set on resume, after a savepoint upgrade, and when the user points the job at a checkpoint.
   */
  restoreFrom?: string;
}

/** Environment of `sabot coordinator` (see runtime/distributed/config.ts and docs/distributed.md). */
export function coordinatorEnv(job: StreamJob, settings: OperatorSettings, opts: DeployOptions = {}): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: "SABOT_BIND_ADDRESS", value: "0.0.0.0" },
    { name: "SABOT_COORDINATOR_PORT", value: String(PORTS.control) },
    // The web UI (docs/ui.md), read-only: actions need SABOT_UI_ACTIONS and SABOT_UI_TOKEN, which the operator never sets.
    { name: "SABOT_UI_PORT", value: String(PORTS.ui) },
    { name: "SABOT_PARALLELISM", value: String(job.spec.parallelism ?? 1) },
    { name: "SABOT_SHUTDOWN_TIMEOUT", value: `${settings.shutdownTimeoutSeconds}s` },
    { name: "SABOT_LOG_LEVEL", value: settings.logLevel },
    // Exiting after the job ended would make Kubernetes restart the pod and run the job again.
    { name: "SABOT_LINGER", value: "true" },
  ];
  if (opts.restoreFrom) env.push({ name: "SABOT_RESTORE_FROM", value: opts.restoreFrom });
  const node = nodeOptions(coordinatorResources(job, settings).memory);
  if (node) env.push({ name: "NODE_OPTIONS", value: node });
  return env;
}

/** The pod-template hash of the coordinator: the spec and the restore source, so a change of either rolls it. */
export function coordinatorHash(job: StreamJob, opts: DeployOptions = {}): string {
  return opts.restoreFrom
    ? createHash("sha256")
        .update(`${specHash(job)}\n${opts.restoreFrom}`)
        .digest("hex")
        .slice(0, 16)
    : specHash(job);
}

/** spec.coordinator.resources, each of cpu and memory defaulting to the operator's setting. */
export function coordinatorResources(job: StreamJob, settings: OperatorSettings): { cpu: string; memory: string } {
  const own = job.spec.coordinator?.resources;
  return {
    cpu: own?.cpu ?? settings.coordinatorResources.cpu,
    memory: own?.memory ?? settings.coordinatorResources.memory,
  };
}

export function buildCoordinatorDeployment(
  job: StreamJob,
  settings: OperatorSettings,
  opts: DeployOptions = {},
): V1Deployment {
  const names = childNames(job);
  const { cpu, memory } = coordinatorResources(job, settings);
  return {
    ...childHead(job, "apps/v1", "Deployment", names.coordinator, "coordinator"),
    spec: {
      replicas: desiredParallelism(job) === 0 ? 0 : 1,
      // Never two coordinators of one job, not even during a rollout.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels(job, "coordinator") },
      template: applyPodTemplate(
        {
          metadata: {
            labels: labels(job, "coordinator"),
            annotations: { "sabot.dev/spec-hash": coordinatorHash(job, opts) },
          },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(),
            terminationGracePeriodSeconds: terminationGracePeriodSeconds(settings),
            affinity: affinity(job, settings, false),
            containers: [
              {
                name: "coordinator",
                image: image(job, settings),
                imagePullPolicy: settings.imagePullPolicy,
                args: ["coordinator", `${SPEC_DIR}/${SPEC_FILE}`, ...TLS_ARGS],
                env: coordinatorEnv(job, settings, opts),
                envFrom: job.spec.storageSecret ? [{ secretRef: { name: job.spec.storageSecret } }] : undefined,
                ports: [
                  { name: "control", containerPort: PORTS.control, protocol: "TCP" },
                  { name: "ui", containerPort: PORTS.ui, protocol: "TCP" },
                ],
                // The Control API is gRPC; the coordinator is ready once it accepts connections.
                readinessProbe: { tcpSocket: { port: "control" }, periodSeconds: 5, failureThreshold: 3 },
                resources: { requests: { cpu, memory }, limits: { memory } },
                securityContext: containerSecurityContext(),
                lifecycle: lifecycle(settings),
                volumeMounts: [
                  { name: "spec", mountPath: SPEC_DIR, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                  tlsVolumeMount,
                ],
              },
            ],
            volumes: [
              { name: "spec", configMap: { name: names.configMap } },
              { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
              tlsVolume(job, "coordinator"),
            ],
          },
        },
        roleTemplate(job.spec, "coordinator"),
      ),
    },
  };
}

/** The Control API's stable address: workers, the CLI and the operator reach the coordinator here. */
export function buildCoordinatorService(job: StreamJob): V1Service {
  return roleService(job, childNames(job).coordinator, "coordinator", { type: "ClusterIP" }, [
    servicePort("control", "grpc"),
    servicePort("ui", "http"),
  ]);
}

/** The web UI inside the cluster (status.webUrl); `sabot ui <job>` port-forwards to it. */
export function coordinatorWebUrl(job: StreamJob): string {
  return `http://${childNames(job).coordinator}.${job.metadata.namespace}.svc:${PORTS.ui}/`;
}

export function coordinatorAddress(job: StreamJob): string {
  return `${childNames(job).coordinator}.${job.metadata.namespace}.svc:${PORTS.control}`;
}
