import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type ServerProcess, stopServer } from "../../lib/process.js";
import { waitFor } from "../../lib/wait.js";
import type { TestEnv } from "../../types.js";
import { REAL_NODE_NAME } from "../node-network.js";
import { removeIfEmpty, scrubRealNode } from "./cleanup.js";
import { processMatches } from "./host.js";
import { teardownNodeNetwork } from "./network.js";
import { type NodeOwner, readOwner, removeOwner } from "./owner.js";
import { NODE_PATHS, nodeBinaries } from "./paths.js";

/** Names of the node's processes in TestEnv.processes, in the order teardown stops them. */
export const REAL_NODE_PROCESSES = ["kube-proxy", "coredns", "kubelet", "containerd"] as const;

/** How long the kubelet gets to stop the node's pods (and run CNI DEL for each) before the scrub. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Cordons the node and deletes its pods through the API server, then waits until the kubelet has
 * stopped them: that is what tears their networks down the way CNI expects (veth, IPAM lease,
 * firewall rules). Controllers cannot put new pods there once it is cordoned.
 */
async function drainRealNode(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const node = await core.readNode({ name: REAL_NODE_NAME }).catch(() => undefined);
  // Never registered (a start that failed before the kubelet ran): no pods to stop.
  if (!node) return;
  await core.replaceNode({ name: REAL_NODE_NAME, body: { ...node, spec: { ...node.spec, unschedulable: true } } });
  const onNode = async () =>
    (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${REAL_NODE_NAME}` })).items;
  for (const pod of await onNode()) {
    const { name, namespace } = pod.metadata ?? {};
    if (name && namespace) await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 1 }).catch(() => {});
  }
  await waitFor(async () => (await onNode()).length === 0, {
    what: `the kubelet to stop the pods of ${REAL_NODE_NAME}`,
    timeoutMs: DRAIN_TIMEOUT_MS,
    intervalMs: 250,
  });
}

/**
 * Stops the real node of the run in `runDir` and removes all it left on the machine but the host
 * network (see releaseRealNode); idempotent, and a no-op when another run has taken the node
 * since (it cleaned this one's leftovers). Returns the processes it stopped, which the caller need
 * not stop again.
 */
export async function stopRealNode(o: {
  runDir: string;
  kubeconfig?: string;
  processes: ServerProcess[];
}): Promise<ServerProcess[]> {
  const owner = readOwner();
  if (owner && owner.runDir !== o.runDir) return [];
  const drainError = o.kubeconfig
    ? await drainRealNode(o.kubeconfig).then(
        () => undefined,
        (err: unknown) => err as Error,
      )
    : undefined;
  const stopped: ServerProcess[] = [];
  for (const name of REAL_NODE_PROCESSES) {
    for (const p of o.processes.filter((q) => q.name === name)) {
      await stopServer(p, 10_000);
      stopped.push(p);
    }
  }
  let kubeProxy: string | undefined;
  try {
    kubeProxy = nodeBinaries().kubeProxy;
  } catch {
    // Not built (a start that failed early): then kube-proxy never made chains to clean.
  }
  await scrubRealNode(owner, kubeProxy, { keepHost: true });
  // A drain that timed out is not a teardown failure (the scrub removed what the kubelet left),
  // but worth a line: pods that outlive their grace period point at a kubelet or CNI problem.
  if (drainError) console.warn(`real node teardown: ${drainError.message}`);
  return stopped;
}

/**
 * Last, after every service listening on the node IP has stopped: removes the host network (node
 * bridge, Service route, guard, sysctls) and the owner record, which frees the node for the next
 * run. A no-op when another run holds the node.
 */
export async function releaseRealNode(runDir: string): Promise<void> {
  const owner = readOwner();
  if (owner && owner.runDir !== runDir) return;
  await teardownNodeNetwork(owner?.previousSysctls ?? {});
  removeOwner();
  removeIfEmpty(NODE_PATHS.run);
}

/**
 * The other services of a run that died holding the node (a test run killed with SIGKILL): they
 * would keep their ports and memory, and Kafka, MinIO and Prometheus listen on the node IP this
 * run is about to set up again. Only processes whose command line names that run's folder.
 */
export async function stopStaleRun(owner: NodeOwner | undefined): Promise<void> {
  const envFile = owner ? join(owner.runDir, "env.json") : undefined;
  if (!owner || !envFile || !existsSync(envFile)) return;
  const env = JSON.parse(readFileSync(envFile, "utf8")) as Pick<TestEnv, "processes">;
  for (const p of [...env.processes].reverse()) if (processMatches(p.pid, owner.runDir)) await stopServer(p, 2_000);
}
