import type { ServerProcess } from "./lib/process.js";

/** Where each real service of a running test environment can be reached. Written to env.json. */
export interface TestEnv {
  /** Folder of this run: server logs, data dirs, generated configs. */
  runDir: string;
  logDir: string;
  /** brokers: the plaintext listener, on the node IP; secured: listeners with TLS and SASL, on 127.0.0.1. */
  kafka: { brokers: string[]; secured: KafkaSecurityEnv };
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  prometheus: {
    url: string;
    /**
     * A file_sd targets file Prometheus watches; tests append `host:port` targets to it
     * (see test/helpers/prometheus.ts) and Prometheus picks them up without a restart.
     */
    targetsFile: string;
  };
  kube: KubeControlPlane & { realNode: RealNodeEnv };
  processes: ServerProcess[];
}

/** The test broker's secured listeners (services/kafka-security.ts); users and passwords are made per run. */
export interface KafkaSecurityEnv {
  /** TLS (a certificate signed by caFile) then SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. */
  saslSsl: string[];
  /** The same SASL mechanisms without TLS. */
  saslPlaintext: string[];
  /** TLS requiring a client certificate signed by caFile (client.certFile and client.keyFile are one). */
  ssl: string[];
  /** PEM of the CA that signed the broker's certificate (for 127.0.0.1 and localhost) and the client's. */
  caFile: string;
  client: { certFile: string; keyFile: string };
  users: Record<"plain" | "scram256" | "scram512", { username: string; password: string }>;
}

/** The control plane and its kwok nodes (services/kube.ts). */
export interface KubeControlPlane {
  kubeconfig: string;
  /** https://<node IP>:<port>: reachable from the host and from pods. */
  server: string;
  gpuNode: string;
  cpuNode: string;
}

/**
 * The real node (services/real-node.ts): a kubelet with containerd, CNI, kube-proxy and CoreDNS.
 * A pod lands there only with a toleration for `taint` (and should select it by `label`); its
 * images must already be in the node's containerd (`imagePullPolicy: IfNotPresent` or `Never`).
 */
export interface RealNodeEnv {
  name: string;
  /** The node's InternalIP, on a bridge of its own; the API server, DNS and data services listen there. */
  ip: string;
  taint: { key: string; value: string; effect: "NoSchedule" };
  label: { key: string; value: string };
  podCidr: string;
  serviceCidr: string;
  clusterDomain: string;
  /** containerd's socket, and `ctr` with the arguments that reach it in the CRI's namespace. */
  containerdSocket: string;
  ctr: { cmd: string; args: string[] };
  /**
   * Images present on the node, by role: `pause` (the sandbox), `busybox` (sh, nc, nslookup for
   * test pods), `sabot` (test/env/build/image.sh's, absent where it has not been built).
   */
  images: { pause: string; busybox: string; sabot?: string };
}
