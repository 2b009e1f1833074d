/**
 * The Sabot operator: `node --import tsx operator/main.ts`.
 *
 * Environment (all optional):
 *   KUBECONFIG                     kubeconfig file; in-cluster service account when unset
 *   SABOT_OPERATOR_BIND            address of /metrics and /healthz (default 127.0.0.1; 0.0.0.0 in a pod)
 *   SABOT_OPERATOR_PORT            their port (default 8080; 0 picks a free one, logged)
 *   SABOT_OPERATOR_WATCH_NAMESPACE reconcile StreamJobs of this namespace only (default: all)
 *   SABOT_OPERATOR_WATCH_NAMESPACES comma-separated namespaces to reconcile, each watched on its own (wins over the above)
 *   SABOT_OPERATOR_LEASE_NAMESPACE namespace of the leader-election Lease (default POD_NAMESPACE or "default")
 *   SABOT_OPERATOR_LEASE_NAME      its name (default sabot-operator-leader)
 *   POD_NAME                       this replica's identity in the Lease (default host name and pid)
 *   SABOT_OPERATOR_WORKERS         StreamJobs reconciled at once (default 2)
 *   SABOT_OPERATOR_PROMETHEUS_URL  Prometheus the autoscaler queries when spec.autoscaler.prometheus.url is unset
 *   SABOT_OPERATOR_IMAGE           default runtime image for jobs' pods
 *   SABOT_LOG_LEVEL                pino level (default info); also the jobs' level unless the next is set
 *   NODE_OPTIONS                   Node's own flags; the chart's `nodeOptions` sets the heap limit there
 * Settings that shape the jobs' pods (operator/streamjob/resources/settings.ts; the Helm chart's `jobs.*` values):
 *   SABOT_OPERATOR_JOB_LOG_LEVEL, SABOT_OPERATOR_IMAGE_PULL_POLICY (Always|IfNotPresent|Never),
 *   SABOT_OPERATOR_KEEP_CPU_JOBS_OFF_GPU_NODES (true|false), SABOT_OPERATOR_GPU_NODE_LABEL,
 *   SABOT_OPERATOR_SHUTDOWN_TIMEOUT_SECONDS, SABOT_OPERATOR_PRESTOP_SLEEP_SECONDS,
 *   SABOT_OPERATOR_COORDINATOR_CPU, SABOT_OPERATOR_COORDINATOR_MEMORY (Kubernetes quantities),
 *   SABOT_OPERATOR_CHECKPOINT_STORAGE (s3://bucket/prefix or file:///path: storage of jobs that name
 *   none) and SABOT_OPERATOR_CHECKPOINT_STORAGE_SECRET (its credentials Secret in the jobs' namespaces),
 *   SABOT_OPERATOR_NETWORK_POLICY (JSON: {"enabled","operatorFrom","metricsFrom","uiFrom"}, the chart's networkPolicy)
 */

import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import pino from "pino";
import { serveOperatorHttp } from "./kube/http.js";
import { PooledKubeConfig } from "./kube/kube-config.js";
import { OperatorManager } from "./manager.js";
import { parseNetworkPolicySettings } from "./streamjob/resources/network-policy.js";
import { operatorSettings } from "./streamjob/resources/settings.js";

const env = process.env;
const log = pino({ name: "sabot-operator", level: env.SABOT_LOG_LEVEL ?? "info" });

const kc = new PooledKubeConfig();
// KUBECONFIG when set, else the in-cluster service account, else ~/.kube/config.
kc.loadFromDefault();

function fatal(message: string): never {
  log.fatal(message);
  process.exit(2);
}
/** An env variable that must be one of `allowed`; a typo stops the operator with a message naming it. */
function envChoice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const v = env[name];
  if (!v) return undefined;
  return (allowed as readonly string[]).includes(v)
    ? (v as T)
    : fatal(`${name}=${v} is not one of ${allowed.join(", ")}`);
}
function envSeconds(name: string): number | undefined {
  const v = env[name];
  if (!v) return undefined;
  return /^\d+$/.test(v) ? Number(v) : fatal(`${name}=${v} is not a whole number of seconds`);
}

const logLevels = ["trace", "debug", "info", "warn", "error"] as const;
const jobLogLevel = envChoice("SABOT_OPERATOR_JOB_LOG_LEVEL", logLevels) ?? envChoice("SABOT_LOG_LEVEL", logLevels);
const pullPolicy = envChoice("SABOT_OPERATOR_IMAGE_PULL_POLICY", ["Always", "IfNotPresent", "Never"] as const);
const keepOffGpu = envChoice("SABOT_OPERATOR_KEEP_CPU_JOBS_OFF_GPU_NODES", ["true", "false"] as const);
const shutdownSeconds = envSeconds("SABOT_OPERATOR_SHUTDOWN_TIMEOUT_SECONDS");
const preStopSeconds = envSeconds("SABOT_OPERATOR_PRESTOP_SLEEP_SECONDS");
const workers = env.SABOT_OPERATOR_WORKERS;
if (workers !== undefined && !/^[1-9]\d*$/.test(workers))
  fatal(`SABOT_OPERATOR_WORKERS=${workers} is not a whole number ≥ 1`);
const storageUrl = env.SABOT_OPERATOR_CHECKPOINT_STORAGE ?? "";
if (storageUrl && !/^(s3:\/\/[^/]+|file:\/\/\/)/.test(storageUrl))
  fatal(`SABOT_OPERATOR_CHECKPOINT_STORAGE=${storageUrl} is not s3://bucket/prefix or file:///path`);
const defaults = operatorSettings();
let networkPolicy = defaults.networkPolicy;
try {
  if (env.SABOT_OPERATOR_NETWORK_POLICY)
    networkPolicy = parseNetworkPolicySettings(env.SABOT_OPERATOR_NETWORK_POLICY, defaults.networkPolicy);
} catch (err) {
  fatal((err as Error).message);
}
const settings = operatorSettings({
  ...(env.SABOT_OPERATOR_IMAGE ? { image: env.SABOT_OPERATOR_IMAGE } : {}),
  ...(jobLogLevel ? { logLevel: jobLogLevel } : {}),
  ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}),
  ...(keepOffGpu ? { keepCpuJobsOffGpuNodes: keepOffGpu === "true" } : {}),
  ...(env.SABOT_OPERATOR_GPU_NODE_LABEL ? { gpuNodeLabel: env.SABOT_OPERATOR_GPU_NODE_LABEL } : {}),
  ...(shutdownSeconds !== undefined ? { shutdownTimeoutSeconds: shutdownSeconds } : {}),
  ...(preStopSeconds !== undefined ? { preStopSleepSeconds: preStopSeconds } : {}),
  coordinatorResources: {
    cpu: env.SABOT_OPERATOR_COORDINATOR_CPU || defaults.coordinatorResources.cpu,
    memory: env.SABOT_OPERATOR_COORDINATOR_MEMORY || defaults.coordinatorResources.memory,
  },
  checkpointStorage: { url: storageUrl, secret: env.SABOT_OPERATOR_CHECKPOINT_STORAGE_SECRET ?? "" },
  networkPolicy,
});
const watchNamespaces = (env.SABOT_OPERATOR_WATCH_NAMESPACES ?? "")
  .split(",")
  .map((n) => n.trim())
  .filter((n) => n !== "");
const badNamespace = watchNamespaces.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
if (badNamespace !== undefined)
  fatal(`SABOT_OPERATOR_WATCH_NAMESPACES: "${badNamespace}" is not a namespace name (lowercase letters, digits, -)`);
const port = Number(env.SABOT_OPERATOR_PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal(`SABOT_OPERATOR_PORT=${env.SABOT_OPERATOR_PORT} is not a port number (0-65535)`);
  process.exit(2);
}

const manager = new OperatorManager(
  kc,
  {
    settings,
    ...(workers ? { workers: Number(workers) } : {}),
    ...(env.SABOT_OPERATOR_WATCH_NAMESPACE ? { namespace: env.SABOT_OPERATOR_WATCH_NAMESPACE } : {}),
    ...(watchNamespaces.length > 0 ? { namespaces: watchNamespaces } : {}),
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    lease: {
      namespace: env.SABOT_OPERATOR_LEASE_NAMESPACE ?? env.POD_NAMESPACE ?? "default",
      name: env.SABOT_OPERATOR_LEASE_NAME ?? "sabot-operator-leader",
    },
  },
  log,
);
const server = await serveOperatorHttp(manager.metrics.registry, env.SABOT_OPERATOR_BIND ?? "127.0.0.1", port);
log.info({ address: server.address() as AddressInfo }, "serving /metrics and /healthz");
manager.start();

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping: releasing the leader Lease");
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void manager
    .stop()
    .finally(() => server.close())
    .then(() => process.exit(0));
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
