import { X509Certificate } from "node:crypto";
import type { V1Secret, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import type { KeyPair } from "../../../runtime/contract/tls/certificates.js";
import { TLS_FILES, type TlsFiles } from "../../../runtime/contract/tls/files.js";
import type { JobCertificates } from "../../../runtime/contract/tls/job-certificates.js";
import { childHead, childNames, type StreamJob } from "../job.js";
import { certificateVolume, issuerRefOf } from "./certificate.js";

/**
 * A job's certificates (runtime/contract/tls) in one Secret owned by the StreamJob. Each pod
 * mounts only its own role's certificate and the CA certificate, projected into the layout of a
 * Kubernetes TLS Secret (ca.crt, tls.crt, tls.key) that `--tls-dir` reads; the CA key and the
 * operator's client key stay in the API server, out of the pods' reach: pods run without a service
 * account token unless their pod template asks for one, and the operator's RBAC is not theirs.
 */

/**
 * Where coordinator and worker pods find their certificates; not under the spec's read-only
 * /etc/sabot volume, where the runtime could not create the mount point.
 */
export const TLS_DIR = "/etc/sabot-tls";
const VOLUME = "tls";

/** Which deployed spec the leaf certificates were issued for: another one rotates them. */
export const TLS_SPEC_HASH = "sabot.dev/tls-spec-hash";

/** Leaves are issued again this long before they expire (at the next reconcile that applies). */
const RENEW_BEFORE_MS = 30 * 86_400_000;

type Role = "coordinator" | "worker" | "client";
const ROLES: readonly Role[] = ["coordinator", "worker", "client"];

const key = (role: Role | "ca", part: "crt" | "key") => `${role}.${part}`;

export function tlsSecretName(job: StreamJob): string {
  return `${job.metadata.name}-tls`;
}

/** The names the coordinator's Service gives it, and the worker pods' names under their headless Service. */
export function jobHosts(job: StreamJob): { coordinatorHosts: string[]; workerHosts: string[] } {
  const { namespace } = job.metadata;
  const names = childNames(job);
  const under = (host: string) => [
    host,
    `${host}.${namespace}`,
    `${host}.${namespace}.svc`,
    `${host}.${namespace}.svc.cluster.local`,
  ];
  return {
    coordinatorHosts: under(names.coordinator),
    workerHosts: under(`*.${names.workersService}`),
  };
}

export function buildTlsSecret(job: StreamJob, certs: JobCertificates, specHash: string): V1Secret {
  const data: Record<string, string> = {
    [key("ca", "crt")]: b64(certs.ca.cert),
    [key("ca", "key")]: b64(certs.ca.key),
  };
  for (const role of ROLES) {
    data[key(role, "crt")] = b64(certs[role].cert);
    data[key(role, "key")] = b64(certs[role].key);
  }
  const head = childHead(job, "v1", "Secret", tlsSecretName(job), "config");
  return {
    ...head,
    metadata: { ...head.metadata, annotations: { [TLS_SPEC_HASH]: specHash } },
    type: "Opaque",
    data,
  };
}

export type TlsSecretAction = "keep" | "rotate" | "issue";

/**
 * What the job's Secret needs: `issue` (a new CA and leaves) when there is none or its CA is
 * unusable; `rotate` (new leaves signed by the same CA, so pods still running on the old ones keep
 * talking to the new ones during a rolling upgrade) for another deployed spec or leaves about to
 * expire; otherwise `keep`.
 */
export function tlsSecretAction(existing: V1Secret | undefined, specHash: string, now: Date): TlsSecretAction {
  const ca = existing && pairOf(existing, "ca");
  if (!existing || !ca || expiresWithin(ca.cert, now, RENEW_BEFORE_MS)) return "issue";
  if (existing.metadata?.annotations?.[TLS_SPEC_HASH] !== specHash) return "rotate";
  for (const role of ROLES) {
    const leaf = pairOf(existing, role);
    if (!leaf || expiresWithin(leaf.cert, now, RENEW_BEFORE_MS)) return "rotate";
  }
  return "keep";
}

/** The CA of an existing Secret (to sign new leaves with), if it has a whole one. */
export function secretCa(secret: V1Secret): KeyPair | undefined {
  return pairOf(secret, "ca");
}

/** The operator's client certificate of the job, as gRPC credentials take it. */
export function clientTlsOf(secret: V1Secret): TlsFiles | undefined {
  const ca = secret.data?.[key("ca", "crt")];
  const client = pairOf(secret, "client");
  return ca && client
    ? { ca: Buffer.from(ca, "base64"), cert: Buffer.from(client.cert), key: Buffer.from(client.key) }
    : undefined;
}

/** The volume of one role: the CA certificate and that role's pair, as ca.crt, tls.crt and tls.key. */
export function tlsVolume(job: StreamJob, role: "coordinator" | "worker"): V1Volume {
  if (issuerRefOf(job)) return certificateVolume(job, role, VOLUME);
  return {
    name: VOLUME,
    secret: {
      secretName: tlsSecretName(job),
      // Owner and group read: the pods run as a non-root user with fsGroup.
      defaultMode: 0o440,
      items: [
        { key: key("ca", "crt"), path: TLS_FILES.ca },
        { key: key(role, "crt"), path: TLS_FILES.cert },
        { key: key(role, "key"), path: TLS_FILES.key },
      ],
    },
  };
}

export const tlsVolumeMount: V1VolumeMount = { name: VOLUME, mountPath: TLS_DIR, readOnly: true };

/** Container arguments that point `sabot coordinator` / `sabot worker` at the mounted certificates. */
export const TLS_ARGS = ["--tls-dir", TLS_DIR];

function pairOf(secret: V1Secret, role: Role | "ca"): KeyPair | undefined {
  const cert = secret.data?.[key(role, "crt")];
  const k = secret.data?.[key(role, "key")];
  return cert && k
    ? { cert: Buffer.from(cert, "base64").toString("utf8"), key: Buffer.from(k, "base64").toString("utf8") }
    : undefined;
}

function expiresWithin(pem: string, now: Date, ms: number): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) - now.getTime() < ms;
  } catch {
    return true; // unreadable: as good as expired
  }
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
