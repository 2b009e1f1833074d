import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../lib/ports.js";
import { type ServerProcess, startServer } from "../../lib/process.js";
import {
  CLUSTER_DNS_IP,
  CLUSTER_DOMAIN,
  NODE_IP,
  REAL_NODE_LABEL,
  REAL_NODE_NAME,
  REAL_NODE_TAINT,
} from "../node-network.js";
import { type NodeBinaries, nodePaths } from "./paths.js";

/**
 * The real node's kubelet. Set up as kubeadm would, with what this machine needs: cgroup v1 (so
 * `failCgroupV1: false`, and the cgroupfs driver, since containerd 1.6 cannot report its own),
 * client-certificate authentication against the test CA with webhook authorization, and a taint so
 * only pods that ask for the real node land there.
 */
function kubeletConfig(o: { clientCa: string; port: number; healthzPort: number; resolvConf: string }): object {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    containerRuntimeEndpoint: `unix://${nodePaths.containerdSocket}`,
    address: NODE_IP,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: o.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: o.clientCa },
    },
    authorization: { mode: "Webhook" },
    clusterDNS: [CLUSTER_DNS_IP],
    clusterDomain: CLUSTER_DOMAIN,
    // An empty file: the host's nameservers are outside this machine, and a pod with
    // `dnsPolicy: Default` must not get them.
    resolvConf: o.resolvConf,
    registerWithTaints: [{ ...REAL_NODE_TAINT }],
    podLogsDir: nodePaths.podLogs,
    // Root here cannot lower oom_score_adj (see containerd.ts); the kubelet would log a failure.
    oomScoreAdj: 0,
    // The disk is shared with image builds: a disk-pressure taint or image garbage collection
    // (which would delete the imported images, with no registry to pull them back from) must not
    // depend on what else is on it.
    evictionHard: {
      "memory.available": "50Mi",
      "nodefs.available": "1%",
      "imagefs.available": "1%",
      "nodefs.inodesFree": "1%",
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    failSwapOn: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
  };
}

export async function startKubelet(
  bin: NodeBinaries,
  o: { kubeconfig: string; clientCa: string; runDir: string; logDir: string },
): Promise<ServerProcess> {
  const dir = join(o.runDir, "node");
  mkdirSync(dir, { recursive: true });
  for (const d of [nodePaths.kubeletRoot, nodePaths.podLogs]) mkdirSync(d, { recursive: true });
  const [port, healthzPort] = [await freePort(), await freePort()];
  const resolvConf = join(dir, "resolv.conf");
  writeFileSync(resolvConf, "");
  const config = join(dir, "kubelet.yaml");
  // JSON is valid YAML; the kubelet reads either.
  writeFileSync(
    config,
    JSON.stringify(kubeletConfig({ clientCa: o.clientCa, port, healthzPort, resolvConf }), null, 2),
  );
  return startServer({
    name: "kubelet",
    cmd: bin.kubelet,
    args: [
      `--config=${config}`,
      `--kubeconfig=${o.kubeconfig}`,
      `--root-dir=${nodePaths.kubeletRoot}`,
      `--cert-dir=${join(nodePaths.kubeletRoot, "pki")}`,
      `--hostname-override=${REAL_NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      `--node-labels=${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value}`,
      "--v=1",
    ],
    logDir: o.logDir,
    ready: async () =>
      (await fetch(`http://127.0.0.1:${healthzPort}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok,
    timeoutMs: 60_000,
  });
}
