import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { freePort } from "../../lib/ports.js";
import { type ServerProcess, startServer } from "../../lib/process.js";
import { CLUSTER_DNS_IP, CLUSTER_DOMAIN } from "../node-network.js";
import type { NodeBinaries } from "./paths.js";

/** The identity of CoreDNS's client certificate (kube-certs.ts). */
const COREDNS_USER = "system:coredns";

/**
 * Cluster DNS as a host process on the node IP (the kubelet's clusterDNS), answering for the
 * cluster domain from the API server. It forwards nothing: the machine's nameservers are outside
 * it, so any other name fails instead of leaving the machine.
 */
function corefile(kubeconfig: string, readyPort: number): string {
  return `.:53 {
    bind ${CLUSTER_DNS_IP}
    errors
    ready 127.0.0.1:${readyPort}
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
`;
}

/** What upstream's CoreDNS manifest grants its ServiceAccount, bound to the certificate's user. */
async function grantCorednsRead(adminKubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({
    body: {
      metadata: { name: COREDNS_USER },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: COREDNS_USER },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: COREDNS_USER },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: COREDNS_USER }],
    },
  });
}

export async function startCoredns(
  bin: NodeBinaries,
  o: { kubeconfig: string; adminKubeconfig: string; runDir: string; logDir: string },
): Promise<ServerProcess> {
  await grantCorednsRead(o.adminKubeconfig);
  const dir = join(o.runDir, "node");
  mkdirSync(dir, { recursive: true });
  const readyPort = await freePort();
  const file = join(dir, "Corefile");
  writeFileSync(file, corefile(o.kubeconfig, readyPort));
  return startServer({
    name: "coredns",
    cmd: bin.coredns,
    args: ["-conf", file],
    logDir: o.logDir,
    // 200 once the kubernetes plugin has synced its caches from the API server.
    ready: async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`, { signal: AbortSignal.timeout(5_000) })).ok,
    timeoutMs: 60_000,
  });
}
