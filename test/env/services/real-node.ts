import { existsSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { SabotImageMissingError, sabotImage } from "../lib/image.js";
import { type ServerProcess, stopServer, tailLog } from "../lib/process.js";
import { waitFor } from "../lib/wait.js";
import type { KubeControlPlane, RealNodeEnv } from "../types.js";
import { type KubePki, writeKubeconfig } from "./kube-certs.js";
import {
  CLUSTER_DOMAIN,
  NODE_IP,
  REAL_NODE_LABEL,
  REAL_NODE_NAME,
  REAL_NODE_TAINT,
  REAL_POD_CIDR,
  SERVICE_CIDR,
} from "./node-network.js";
import { claimNode } from "./real-node/claim.js";
import { scrubRealNode } from "./real-node/cleanup.js";
import { writeCniConfig } from "./real-node/cni.js";
import { ctrArgs, importLocalImages, startContainerd } from "./real-node/containerd.js";
import { startCoredns } from "./real-node/coredns.js";
import { startKubeProxy } from "./real-node/kube-proxy.js";
import { startKubelet } from "./real-node/kubelet.js";
import { setupNodeNetwork } from "./real-node/network.js";
import { readOwner, recordPid, thisProcess, writeOwner } from "./real-node/owner.js";
import {
  FOREIGN_PATHS,
  type LocalImage,
  type NodeBinaries,
  nodeBinaries,
  nodeImages,
  nodePaths,
} from "./real-node/paths.js";

/**
 * Imports a docker-archive tarball (`docker save` output) into the real node's containerd:
 * `importImageArchive(env.kube.realNode.ctr, path)`. Pods then use its tag with
 * `imagePullPolicy: IfNotPresent` or `Never`.
 */
export { importImageArchive } from "./real-node/containerd.js";
export { realNodePlacement } from "./real-node/placement.js";
export { releaseRealNode, stopRealNode } from "./real-node/teardown.js";

import { stopStaleRun } from "./real-node/teardown.js";

/**
 * A real Kubernetes node beside kwok's fake ones: a kubelet on its own containerd with CNI,
 * kube-proxy in iptables mode and CoreDNS, joined to the test control plane, for tests that need
 * real pods from real images. It starts in three phases, because its pieces depend on different
 * things: the host network first (the other services bind the node IP), then containerd and the
 * images beside the control plane, then the kubelet, kube-proxy and CoreDNS, which need the API
 * server and its certificates.
 */

interface RunContext {
  runDir: string;
  logDir: string;
}

export interface PreparedNode {
  bin: NodeBinaries;
  images: { pause: LocalImage; busybox: LocalImage };
}

const READY_TIMEOUT_MS = 120_000;

/**
 * Phase 1: checks binaries and images, cleans what a crashed run left, takes the node for this run
 * and sets up the host network (node bridge with the node IP, Service blackhole, forwarding,
 * guard). `standalone` marks an `env:up` environment that outlives its starter.
 */
export async function prepareRealNode(ctx: RunContext & { standalone: boolean }): Promise<PreparedNode> {
  const bin = nodeBinaries();
  const images = nodeImages();
  const owner = await claimNode(
    async (stale) => {
      await stopStaleRun(stale);
      await scrubRealNode(stale, bin.kubeProxy);
    },
    // After the scrub, which removes a /var/lib/kubelet that a dead run's kubelet made.
    () => ({
      runDir: ctx.runDir,
      starter: thisProcess(),
      standalone: ctx.standalone,
      pids: {},
      previousSysctls: {},
      kubeletDefaultRootExisted: existsSync(FOREIGN_PATHS.kubeletDefaultRoot),
    }),
  );
  try {
    // Recorded before anything else starts: a run killed from here on is undone by the next one's scrub.
    writeOwner({ ...owner, previousSysctls: await setupNodeNetwork() });
    writeCniConfig();
    return { bin, images };
  } catch (err) {
    await scrubRealNode(readOwner(), bin.kubeProxy).catch(() => {});
    throw err;
  }
}

/** Sabot's image as test/env/build/image.sh last built it, or undefined where it has not been built. */
function builtSabotImage(): LocalImage | undefined {
  try {
    const image = sabotImage();
    return { ref: image.ref, archive: image.tarball };
  } catch (err) {
    // Tests that need it fail with this same error from sabotImage(); the node is useful without it.
    if (err instanceof SabotImageMissingError) return undefined;
    throw err;
  }
}

/**
 * Phase 2, beside the control plane: the node's containerd, with the local images imported
 * (Sabot's too, when it has been built). Returns the reference Sabot's image has on the node.
 */
async function startRuntime(
  node: PreparedNode,
  ctx: RunContext,
): Promise<{ containerd: ServerProcess; sabot?: string }> {
  const containerd = await startContainerd(node.bin, node.images.pause.ref, ctx);
  recordPid(containerd.name, containerd.pid);
  try {
    const sabot = builtSabotImage();
    await importLocalImages(node.bin, [node.images.pause, node.images.busybox, ...(sabot ? [sabot] : [])]);
    return { containerd, sabot: sabot?.ref };
  } catch (err) {
    await stopServer(containerd);
    throw err;
  }
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Phase 3: kubeconfigs for the node's components, the components, and a Ready node. */
async function joinNode(
  node: PreparedNode,
  kube: { kube: KubeControlPlane; pki: KubePki; dir: string },
  ctx: RunContext,
): Promise<ServerProcess[]> {
  const kubeconfig = (name: string, client: KubePki["clients"]["node"], user: string) => {
    const file = join(kube.dir, `${name}.kubeconfig`);
    writeKubeconfig(file, { server: kube.kube.server, caCert: kube.pki.ca.cert, client, user });
    return file;
  };
  const o = { runDir: ctx.runDir, logDir: ctx.logDir };
  const started = await Promise.allSettled([
    startKubelet(node.bin, {
      ...o,
      kubeconfig: kubeconfig("kubelet", kube.pki.clients.node, `system:node:${REAL_NODE_NAME}`),
      clientCa: kube.pki.ca.cert,
    }),
    startKubeProxy(node.bin, {
      ...o,
      kubeconfig: kubeconfig("kube-proxy", kube.pki.clients.kubeProxy, "system:kube-proxy"),
    }),
    startCoredns(node.bin, {
      ...o,
      kubeconfig: kubeconfig("coredns", kube.pki.clients.coredns, "system:coredns"),
      adminKubeconfig: kube.kube.kubeconfig,
    }),
  ]);
  const processes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  for (const p of processes) recordPid(p.name, p.pid);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    for (const p of processes) await stopServer(p);
    throw failed.reason;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kube.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await waitFor(async () => isReady(await core.readNode({ name: REAL_NODE_NAME })), {
      what: `the real node ${REAL_NODE_NAME} to become Ready`,
      timeoutMs: READY_TIMEOUT_MS,
    });
  } catch (err) {
    for (const p of processes) await stopServer(p);
    const kubeletLog = processes.find((p) => p.name === "kubelet")?.logFile ?? "";
    throw new Error(`${(err as Error).message}\n--- ${kubeletLog} ---\n${tailLog(kubeletLog)}`);
  }
  return processes;
}

function realNodeEnv(node: PreparedNode, sabotImageRef: string | undefined): RealNodeEnv {
  return {
    name: REAL_NODE_NAME,
    ip: NODE_IP,
    taint: { ...REAL_NODE_TAINT },
    label: { ...REAL_NODE_LABEL },
    podCidr: REAL_POD_CIDR,
    serviceCidr: SERVICE_CIDR,
    clusterDomain: CLUSTER_DOMAIN,
    containerdSocket: nodePaths.containerdSocket,
    ctr: { cmd: node.bin.ctr, args: ctrArgs() },
    images: { pause: node.images.pause.ref, busybox: node.images.busybox.ref, sabot: sabotImageRef },
  };
}

/**
 * Phases 2 and 3 around the control plane: `startKube` and containerd side by side, then the
 * node joins. On failure whatever started is stopped (the caller scrubs the host with
 * stopRealNode).
 */
export async function startKubeWithRealNode(
  node: PreparedNode,
  ctx: RunContext,
  startKube: (
    ctx: RunContext,
  ) => Promise<{ kube: KubeControlPlane; processes: ServerProcess[]; pki: KubePki; dir: string }>,
): Promise<{ kube: KubeControlPlane & { realNode: RealNodeEnv }; processes: ServerProcess[] }> {
  const [kube, runtime] = await Promise.allSettled([startKube(ctx), startRuntime(node, ctx)]);
  const stopAll = async (ps: ServerProcess[]) => {
    for (const p of [...ps].reverse()) await stopServer(p, 5_000);
  };
  if (kube.status === "rejected" || runtime.status === "rejected") {
    await stopAll([
      ...(kube.status === "fulfilled" ? kube.value.processes : []),
      ...(runtime.status === "fulfilled" ? [runtime.value.containerd] : []),
    ]);
    throw kube.status === "rejected" ? kube.reason : (runtime as PromiseRejectedResult).reason;
  }
  try {
    const nodeProcesses = await joinNode(node, kube.value, ctx);
    return {
      kube: { ...kube.value.kube, realNode: realNodeEnv(node, runtime.value.sabot) },
      processes: [...kube.value.processes, runtime.value.containerd, ...nodeProcesses],
    };
  } catch (err) {
    await stopAll([...kube.value.processes, runtime.value.containerd]);
    throw err;
  }
}
