import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { cacheRoot } from "../lib/cache.js";
import { freePort } from "../lib/ports.js";
import { type ServerProcess, startServer, stopServer, tailLog } from "../lib/process.js";
import { version } from "../lib/versions.js";
import { waitFor } from "../lib/wait.js";
import type { KubeControlPlane } from "../types.js";
import { generateKubePki, type KubePki, writeKubeconfig } from "./kube-certs.js";
import { CPU_NODE_NAME, fakeNodes, GPU_NODE_NAME, KWOK_NODE_ANNOTATION, POD_CIDR } from "./kube-nodes.js";
import { NODE_IP, REAL_NODE_NAME, SERVICE_CIDR, SERVICE_IP } from "./node-network.js";

export * from "./kube-nodes.js";

/**
 * A real Kubernetes control plane for integration tests, started the way controller-runtime's
 * envtest starts one: etcd and kube-apiserver, plus kube-controller-manager and kube-scheduler so
 * that Deployments get pods and pods get nodes. kwok plays the kubelets of two fake Nodes (one
 * CPU, one GPU); a real kubelet joins as a third node (real-node.ts). Binaries come from
 * test/env/build/kube.sh. The API server listens on the node IP (node-network.ts), which pods and
 * the kubelet reach and which the `kubernetes` Service points at; every other listener is on
 * 127.0.0.1. Ports are picked at random (lib/ports.ts).
 */

/** Cold starts on a busy 2-core machine (the other services start at the same time). */
const START_TIMEOUT_MS = { etcd: 30_000, apiserver: 120_000, component: 60_000, nodes: 60_000 };

interface KubeBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  kwok: string;
  /** kwok's default Stage files (node/pod lifecycle), one `--config` each. */
  kwokStages: string[];
}

/** Paths of the binaries that test/env/build/kube.sh builds, or an error saying how to build them. */
export function kubeBinaries(): KubeBinaries {
  const root = cacheRoot();
  const kube = join(root, `kube-${version("KUBERNETES_VERSION")}`, "bin");
  const kwokDir = join(root, `kwok-${version("KWOK_VERSION")}`);
  const stagesDir = join(kwokDir, "stages");
  const bins = {
    etcd: join(root, `etcd-${version("ETCD_VERSION")}`, "bin", "etcd"),
    apiserver: join(kube, "kube-apiserver"),
    controllerManager: join(kube, "kube-controller-manager"),
    scheduler: join(kube, "kube-scheduler"),
    kubectl: join(kube, "kubectl"),
    kwok: join(kwokDir, "bin", "kwok"),
  };
  const missing = [...Object.values(bins), stagesDir].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes test binaries are missing (${missing.join(", ")}).\n` +
        "Build them once with `bash test/env/build/kube.sh` (or `npm run env:build`); " +
        "a cold build from source takes a while, later runs find them in the cache.",
    );
  }
  const kwokStages = readdirSync(stagesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(stagesDir, f));
  return { ...bins, kwokStages };
}

/** kubectl built with the control plane, for tests that want `kubectl scale`, `apply`, ... */
export function kubectlPath(): string {
  return kubeBinaries().kubectl;
}

interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Components that serve a self-signed certificate from their --cert-dir. */
  insecure?: boolean;
}

/** Status code of an HTTPS GET, for health checks; rejects on connection errors. */
function httpsStatus(url: string, tls: TlsOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, agent: false, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

async function etcdHealthy(clientUrl: string): Promise<boolean> {
  const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { health?: string };
  return res.ok && body.health === "true";
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

async function allocatePorts(): Promise<Ports> {
  // Sequential: freePort remembers what it handed out, and this is microseconds each.
  return {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
}

function startEtcd(bin: KubeBinaries, dir: string, ports: Ports, logDir: string): Promise<ServerProcess> {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return startServer({
    name: "etcd",
    cmd: bin.etcd,
    args: [
      "--name=sabot",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=sabot=${peer}`,
      "--initial-cluster-state=new",
      // Test data is thrown away with the run; fsync only costs time (envtest does the same).
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    logDir,
    ready: () => etcdHealthy(client),
    timeoutMs: START_TIMEOUT_MS.etcd,
  });
}

function startApiserver(bin: KubeBinaries, pki: KubePki, ports: Ports, logDir: string): Promise<ServerProcess> {
  const tls: TlsOptions = {
    ca: readFileSync(pki.ca.cert),
    cert: readFileSync(pki.clients.admin.cert),
    key: readFileSync(pki.clients.admin.key),
  };
  return startServer({
    name: "kube-apiserver",
    cmd: bin.apiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      // The node IP, not loopback: pods reach the API server there, through the `kubernetes`
      // Service whose endpoint is the advertised address.
      `--bind-address=${NODE_IP}`,
      `--advertise-address=${NODE_IP}`,
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--authorization-mode=Node,RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccount.publicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--allow-privileged=true",
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      // `kubectl logs` and `exec` on the real node: the API server authenticates to its kubelet,
      // found by its InternalIP (its Hostname, the node name, resolves nowhere).
      `--kubelet-client-certificate=${pki.clients.apiserverKubelet.cert}`,
      `--kubelet-client-key=${pki.clients.apiserverKubelet.key}`,
      "--kubelet-preferred-address-types=InternalIP,Hostname",
    ],
    logDir,
    ready: async () => (await httpsStatus(`https://${NODE_IP}:${ports.apiserver}/readyz`, tls)) === 200,
    timeoutMs: START_TIMEOUT_MS.apiserver,
  });
}

/** Flags that kube-controller-manager and kube-scheduler share: identity, serving, no election. */
function componentArgs(kubeconfig: string, port: number, certDir: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    "--leader-elect=false",
  ];
}

function healthz(port: number): () => Promise<boolean> {
  return async () => (await httpsStatus(`https://127.0.0.1:${port}/healthz`, { insecure: true })) === 200;
}

function startControllerManager(
  bin: KubeBinaries,
  dir: string,
  pki: KubePki,
  ports: Ports,
  logDir: string,
  controllers: readonly string[] | undefined,
): Promise<ServerProcess> {
  return startServer({
    name: "kube-controller-manager",
    cmd: bin.controllerManager,
    args: [
      ...componentArgs(
        join(dir, "controller-manager.kubeconfig"),
        ports.controllerManager,
        join(dir, "controller-manager"),
      ),
      // Every controller acts as its own service account, as in a production cluster.
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.serviceAccount.privateKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      ...(controllers ? [`--controllers=${controllers.join(",")}`] : []),
    ],
    logDir,
    ready: healthz(ports.controllerManager),
    timeoutMs: START_TIMEOUT_MS.component,
  });
}

function startScheduler(bin: KubeBinaries, dir: string, ports: Ports, logDir: string): Promise<ServerProcess> {
  return startServer({
    name: "kube-scheduler",
    cmd: bin.scheduler,
    args: componentArgs(join(dir, "scheduler.kubeconfig"), ports.scheduler, join(dir, "scheduler")),
    logDir,
    ready: healthz(ports.scheduler),
    timeoutMs: START_TIMEOUT_MS.component,
  });
}

function startKwok(bin: KubeBinaries, adminKubeconfig: string, ports: Ports, logDir: string): Promise<ServerProcess> {
  return startServer({
    name: "kwok",
    cmd: bin.kwok,
    args: [
      ...bin.kwokStages.map((f) => `--config=${f}`),
      `--kubeconfig=${adminKubeconfig}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      `--cidr=${POD_CIDR}`,
      // Heartbeats through kube-node-lease Leases, like kubelets (the default stage set above
      // expects them); without leases the node lifecycle controller would mark the nodes
      // NotReady after its grace period.
      "--node-lease-duration-seconds=40",
      // Its health/metrics server; without one kwok opens no port at all.
      `--server-address=127.0.0.1:${ports.kwok}`,
    ],
    logDir,
    ready: async () =>
      (await fetch(`http://127.0.0.1:${ports.kwok}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok,
    timeoutMs: START_TIMEOUT_MS.component,
  });
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

async function createNodes(core: CoreV1Api): Promise<void> {
  await Promise.all(fakeNodes().map((body) => core.createNode({ body })));
}

async function waitForNodesReady(core: CoreV1Api, kwokLog: string): Promise<void> {
  try {
    await waitFor(
      async () => {
        const nodes = await Promise.all([CPU_NODE_NAME, GPU_NODE_NAME].map((name) => core.readNode({ name })));
        return nodes.every(isReady);
      },
      { what: `nodes ${CPU_NODE_NAME} and ${GPU_NODE_NAME} to become Ready`, timeoutMs: START_TIMEOUT_MS.nodes },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${kwokLog} ---\n${tailLog(kwokLog)}`);
  }
}

/**
 * The ServiceAccount admission plugin refuses pods in a namespace until its `default`
 * ServiceAccount exists; the controller manager creates it. Waiting here means tests can create
 * pods in `default` right away and proves the controller manager is doing its work.
 */
async function waitForDefaultServiceAccount(core: CoreV1Api, kcmLog: string): Promise<void> {
  try {
    await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: "default" }), {
      what: "the default ServiceAccount (created by kube-controller-manager)",
      timeoutMs: START_TIMEOUT_MS.component,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${kcmLog} ---\n${tailLog(kcmLog)}`);
  }
}

/** Starts the control plane and kwok, creates the fake nodes and waits until all of it works. */
export async function startKube(ctx: {
  runDir: string;
  logDir: string;
  /** kube-controller-manager's --controllers (default: its own, every controller). */
  controllers?: readonly string[];
}): Promise<{ kube: KubeControlPlane; processes: ServerProcess[]; pki: KubePki; dir: string }> {
  const bin = kubeBinaries();
  const dir = join(ctx.runDir, "kube");
  mkdirSync(dir, { recursive: true });
  const [pki, ports] = await Promise.all([
    generateKubePki(join(dir, "pki"), { serviceIp: SERVICE_IP, nodeIp: NODE_IP, nodeName: REAL_NODE_NAME }),
    allocatePorts(),
  ]);
  const server = `https://${NODE_IP}:${ports.apiserver}`;
  const kubeconfig = join(dir, "admin.kubeconfig");
  writeKubeconfig(kubeconfig, { server, caCert: pki.ca.cert, client: pki.clients.admin, user: "sabot-admin" });
  writeKubeconfig(join(dir, "controller-manager.kubeconfig"), {
    server,
    caCert: pki.ca.cert,
    client: pki.clients.controllerManager,
    user: "system:kube-controller-manager",
  });
  writeKubeconfig(join(dir, "scheduler.kubeconfig"), {
    server,
    caCert: pki.ca.cert,
    client: pki.clients.scheduler,
    user: "system:kube-scheduler",
  });

  const processes: ServerProcess[] = [];
  try {
    processes.push(await startEtcd(bin, dir, ports, ctx.logDir));
    processes.push(await startApiserver(bin, pki, ports, ctx.logDir));

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    // Independent of each other once the API server is up; start them together.
    const started = await Promise.allSettled([
      startControllerManager(bin, dir, pki, ports, ctx.logDir, ctx.controllers),
      startScheduler(bin, dir, ports, ctx.logDir),
      startKwok(bin, kubeconfig, ports, ctx.logDir),
      createNodes(core),
    ]);
    for (const s of started) if (s.status === "fulfilled" && s.value) processes.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;

    const logOf = (name: string) => processes.find((p) => p.name === name)?.logFile ?? "";
    await Promise.all([
      waitForNodesReady(core, logOf("kwok")),
      waitForDefaultServiceAccount(core, logOf("kube-controller-manager")),
    ]);
    return { kube: { kubeconfig, server, gpuNode: GPU_NODE_NAME, cpuNode: CPU_NODE_NAME }, processes, pki, dir };
  } catch (err) {
    // Clients first, etcd last, so nothing logs errors about a backend that went away.
    for (const p of processes.reverse()) await stopServer(p, 5_000);
    throw err;
  }
}
