import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Paths of a PEM certificate and its PEM private key. */
export interface CertPair {
  cert: string;
  key: string;
}

/**
 * The public key infrastructure of one test cluster, generated fresh per run (ECDSA P-256: a
 * whole set takes well under a second with the openssl CLI).
 */
export interface KubePki {
  ca: CertPair;
  /**
   * A second CA, as kubeadm sets up: the API server trusts request headers (X-Remote-User) only
   * from clients it signed. Without it every component logs errors about the missing
   * requestheader CA, and API aggregation could not work.
   */
  frontProxyCa: CertPair;
  /** The API server's client identity towards aggregated API servers. */
  frontProxyClient: CertPair;
  /** kube-apiserver's serving certificate, for 127.0.0.1, the node IP, localhost and the in-cluster names. */
  apiserver: CertPair;
  /** Signs and verifies service-account tokens (kube-apiserver and kube-controller-manager). */
  serviceAccount: { privateKey: string; publicKey: string };
  /** Client identities; RBAC's bootstrap policy already grants each of them what it needs. */
  clients: {
    /** CN sabot-admin, O system:masters: cluster-admin for tests, kwok and the operator under test. */
    admin: CertPair;
    controllerManager: CertPair;
    scheduler: CertPair;
    /** The API server towards kubelets (`kubectl logs`, `exec`); O system:masters passes the kubelet's webhook authorization. */
    apiserverKubelet: CertPair;
    /** The real node's kubelet: CN system:node:<name>, O system:nodes, the Node authorizer's identity. */
    node: CertPair;
    /** CN system:kube-proxy, which the bootstrap policy binds to system:node-proxier. */
    kubeProxy: CertPair;
    /** CN system:coredns; the real node binds it to a ClusterRole of its own (coredns.ts). */
    coredns: CertPair;
  };
}

/** Addresses and names the certificates are issued for. */
export interface KubePkiSubjects {
  /** First address of the Service CIDR (the `kubernetes.default` Service), which in-cluster clients dial. */
  serviceIp: string;
  /** The node IP the API server listens on and advertises, which pods and the kubelet dial. */
  nodeIp: string;
  /** The real node's name, in its kubelet's client identity. */
  nodeName: string;
}

/** Ten years: a run never outlives its certificates, even with a skewed clock. */
const days = "3650";
const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(" ")} failed in ${cwd}: ${e.stderr ?? e.message}`);
  }
}

const serial = () => `0x${randomBytes(16).toString("hex")}`;

/** A self-signed CA certificate `<name>.crt` and its key `<name>.key` in `dir`. */
export async function selfSignedCa(dir: string, name: string, subject: string): Promise<CertPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await openssl(
    ["req", "-x509", ...ecKey, "-keyout", pair.key, "-out", pair.cert, "-days", days, "-subj", subject]
      .concat(["-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]),
    dir,
  );
  return pair;
}

/** A key pair and a certificate for it signed by `ca`; `ext` are X.509v3 extensions. */
export async function issue(
  dir: string,
  ca: CertPair,
  name: string,
  subject: string,
  ext: string[],
): Promise<CertPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  writeFileSync(join(dir, `${name}.ext`), `${ext.join("\n")}\n`);
  await openssl(["req", "-new", ...ecKey, "-keyout", pair.key, "-subj", subject, "-out", `${name}.csr`], dir);
  const sign = ["x509", "-req", "-in", `${name}.csr`, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", serial()];
  await openssl([...sign, "-days", days, "-extfile", `${name}.ext`, "-out", pair.cert], dir);
  return pair;
}

/** The key pair kube-apiserver signs service-account tokens with (TokenRequest) and verifies them by. */
async function serviceAccountKeys(dir: string): Promise<KubePki["serviceAccount"]> {
  const keys = { privateKey: join(dir, "sa.key"), publicKey: join(dir, "sa.pub") };
  await openssl(
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", keys.privateKey],
    dir,
  );
  await openssl(["pkey", "-in", keys.privateKey, "-pubout", "-out", keys.publicKey], dir);
  return keys;
}

const clientExt = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
];

/**
 * Writes a CA, the API server's serving certificate, a service-account key pair and client
 * certificates into `dir`.
 */
export async function generateKubePki(dir: string, subjects: KubePkiSubjects): Promise<KubePki> {
  const { serviceIp, nodeIp, nodeName } = subjects;
  mkdirSync(dir, { recursive: true });
  const [ca, frontProxyCa] = await Promise.all([
    selfSignedCa(dir, "ca", "/CN=sabot-testenv-ca"),
    selfSignedCa(dir, "front-proxy-ca", "/CN=sabot-testenv-front-proxy-ca"),
  ]);
  const sans = [
    "IP:127.0.0.1",
    `IP:${nodeIp}`,
    `IP:${serviceIp}`,
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  const [
    apiserver,
    admin,
    controllerManager,
    scheduler,
    frontProxyClient,
    serviceAccount,
    apiserverKubelet,
    node,
    kubeProxy,
    coredns,
  ] = await Promise.all([
    issue(dir, ca, "apiserver", "/CN=kube-apiserver", [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${sans.join(",")}`,
    ]),
    issue(dir, ca, "admin", "/O=system:masters/CN=sabot-admin", clientExt),
    issue(dir, ca, "controller-manager", "/CN=system:kube-controller-manager", clientExt),
    issue(dir, ca, "scheduler", "/CN=system:kube-scheduler", clientExt),
    issue(dir, frontProxyCa, "front-proxy-client", "/CN=front-proxy-client", clientExt),
    serviceAccountKeys(dir),
    issue(dir, ca, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", clientExt),
    issue(dir, ca, "node", `/O=system:nodes/CN=system:node:${nodeName}`, clientExt),
    issue(dir, ca, "kube-proxy", "/CN=system:kube-proxy", clientExt),
    issue(dir, ca, "coredns", "/CN=system:coredns", clientExt),
  ]);
  return {
    ca,
    frontProxyCa,
    frontProxyClient,
    apiserver,
    serviceAccount,
    clients: { admin, controllerManager, scheduler, apiserverKubelet, node, kubeProxy, coredns },
  };
}

/**
 * Writes a self-contained kubeconfig (certificates embedded, so it stays valid when copied)
 * with one cluster, one user and one current context. JSON is valid kubeconfig YAML.
 */
export function writeKubeconfig(
  file: string,
  o: { server: string; caCert: string; client: CertPair; user: string },
): void {
  const b64 = (path: string) => readFileSync(path).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "sabot-test", cluster: { server: o.server, "certificate-authority-data": b64(o.caCert) } }],
    users: [
      { name: o.user, user: { "client-certificate-data": b64(o.client.cert), "client-key-data": b64(o.client.key) } },
    ],
    contexts: [{ name: "sabot-test", context: { cluster: "sabot-test", user: o.user, namespace: "default" } }],
    "current-context": "sabot-test",
    preferences: {},
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
