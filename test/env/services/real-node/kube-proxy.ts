import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../lib/ports.js";
import { type ServerProcess, startServer } from "../../lib/process.js";
import { NODE_IP, REAL_NODE_NAME, REAL_POD_CIDR } from "../node-network.js";
import { hostQuiet } from "./host.js";
import type { NodeBinaries } from "./paths.js";

/**
 * kube-proxy in iptables mode: ClusterIPs of the Service range (blackholed otherwise, see
 * network.ts) are DNATed to their endpoints. NodePorts only on the node IP, never on the
 * machine's own interfaces; conntrack and OOM settings left as they are (root here may not
 * change them, and they are machine-wide).
 */
function kubeProxyConfig(o: { kubeconfig: string; healthzPort: number; metricsPort: number }): object {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    clientConnection: { kubeconfig: o.kubeconfig },
    hostnameOverride: REAL_NODE_NAME,
    clusterCIDR: REAL_POD_CIDR,
    healthzBindAddress: `127.0.0.1:${o.healthzPort}`,
    metricsBindAddress: `127.0.0.1:${o.metricsPort}`,
    nodePortAddresses: [`${NODE_IP}/32`],
    iptables: { localhostNodePorts: false, masqueradeAll: false },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    oomScoreAdj: 0,
  };
}

export async function startKubeProxy(
  bin: NodeBinaries,
  o: { kubeconfig: string; runDir: string; logDir: string },
): Promise<ServerProcess> {
  const dir = join(o.runDir, "node");
  mkdirSync(dir, { recursive: true });
  const [healthzPort, metricsPort] = [await freePort(), await freePort()];
  const config = join(dir, "kube-proxy.yaml");
  writeFileSync(
    config,
    JSON.stringify(kubeProxyConfig({ kubeconfig: o.kubeconfig, healthzPort, metricsPort }), null, 2),
  );
  return startServer({
    name: "kube-proxy",
    cmd: bin.kubeProxy,
    args: [`--config=${config}`, "--v=1"],
    logDir: o.logDir,
    // /healthz answers 200 once the first full sync of the rules is done.
    ready: async () =>
      (await fetch(`http://127.0.0.1:${healthzPort}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok,
    timeoutMs: 60_000,
  });
}

/** `kube-proxy --cleanup`: removes the KUBE-* chains and rules of every proxy mode, then exits. */
export async function kubeProxyCleanup(kubeProxy: string): Promise<void> {
  await hostQuiet(kubeProxy, ["--cleanup"]);
}
