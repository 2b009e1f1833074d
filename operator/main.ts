/**
 * The Sabot operator: `node --import tsx operator/main.ts`.
 *
 * Environment (all optional):
 *   KUBECONFIG                     kubeconfig file; in-cluster service account when unset
 *   SABOT_OPERATOR_BIND            address of /metrics and /healthz (default 127.0.0.1; 0.0.0.0 in a pod)
 *   SABOT_OPERATOR_PORT            their port (default 8080; 0 picks a free one, logged)
 *   SABOT_OPERATOR_WATCH_NAMESPACE reconcile StreamJobs of this namespace only (default: all)
 *   SABOT_OPERATOR_LEASE_NAMESPACE namespace of the leader-election Lease (default POD_NAMESPACE or "default")
 *   SABOT_OPERATOR_LEASE_NAME      its name (default sabot-operator-leader)
 *   POD_NAME                       this replica's identity in the Lease (default host name and pid)
 *   SABOT_OPERATOR_IMAGE           default runtime image for jobs' pods
 *   SABOT_LOG_LEVEL                pino level (default info)
 */
import { KubeConfig } from "@kubernetes/client-node";
import { hostname } from "node:os";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { serveOperatorHttp } from "./controller/http.js";
import { OperatorManager } from "./controller/manager.js";
import { operatorSettings, type OperatorSettings } from "./resources/settings.js";

const env = process.env;
const log = pino({ name: "sabot-operator", level: env.SABOT_LOG_LEVEL ?? "info" });

const kc = new KubeConfig();
// KUBECONFIG when set, else the in-cluster service account, else ~/.kube/config.
kc.loadFromDefault();

const settings = operatorSettings({
  ...(env.SABOT_OPERATOR_IMAGE ? { image: env.SABOT_OPERATOR_IMAGE } : {}),
  ...(env.SABOT_LOG_LEVEL ? { logLevel: env.SABOT_LOG_LEVEL as OperatorSettings["logLevel"] } : {}),
});
const port = Number(env.SABOT_OPERATOR_PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal(`SABOT_OPERATOR_PORT=${env.SABOT_OPERATOR_PORT} is not a port number (0-65535)`);
  process.exit(2);
}

const manager = new OperatorManager(
  kc,
  {
    settings,
    ...(env.SABOT_OPERATOR_WATCH_NAMESPACE ? { namespace: env.SABOT_OPERATOR_WATCH_NAMESPACE } : {}),
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
