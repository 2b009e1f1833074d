import type { KubernetesObject, V1Secret, V1Volume } from "@kubernetes/client-node";
import type { TlsSpec } from "../../../runtime/contract/spec/schema.js";
import { TLS_FILES } from "../../../runtime/contract/tls/files.js";
import { LOCAL_HOSTS, ROLE_NAMES } from "../../../runtime/contract/tls/job-certificates.js";
import { childHead, type StreamJob } from "../job.js";

/**
 * With `spec.tls.issuerRef`, cert-manager issues the job's certificates instead of the operator's
 * own CA: one cert-manager.io/v1 Certificate per role, each written by cert-manager into a Secret
 * of the Kubernetes TLS layout (ca.crt, tls.crt, tls.key) that `--tls-dir` reads as it is. The
 * names, usages and hosts are those of the operator's own certificates (job-certificates.ts), so
 * peers verify each other by role name as before. The issuer must be a CA issuer (cert-manager's
 * `ca` kind, or Vault and the like) whose ca.crt all three Secrets share: the peers trust that CA.
 */
export type IssuerRef = NonNullable<TlsSpec["issuerRef"]>;
export type CertificateRole = keyof typeof ROLE_NAMES;
export const CERTIFICATE_ROLES: readonly CertificateRole[] = ["coordinator", "worker", "client"];

/** The Secret cert-manager writes for a role. */
export function certificateSecretName(job: StreamJob, role: CertificateRole): string {
  return `${job.metadata.name}-${role}-tls`;
}

export function issuerRefOf(job: StreamJob): IssuerRef | undefined {
  return job.spec.tls?.issuerRef;
}

const USAGES: Record<CertificateRole, string[]> = {
  coordinator: ["digital signature", "key encipherment", "server auth"],
  worker: ["digital signature", "key encipherment", "server auth", "client auth"],
  client: ["digital signature", "key encipherment", "client auth"],
};

/** The three Certificates of a job (hosts: tls-secret.ts jobHosts), owned by the StreamJob (deleted with it). */
export function buildCertificates(
  job: StreamJob,
  issuer: IssuerRef,
  hosts: { coordinatorHosts: string[]; workerHosts: string[] },
): KubernetesObject[] {
  const dnsNames: Record<CertificateRole, string[]> = {
    coordinator: [ROLE_NAMES.coordinator, ...hosts.coordinatorHosts, "localhost"],
    worker: [ROLE_NAMES.worker, ...hosts.workerHosts, "localhost"],
    client: [ROLE_NAMES.client],
  };
  return CERTIFICATE_ROLES.map((role) => ({
    ...childHead(job, "cert-manager.io/v1", "Certificate", certificateSecretName(job, role), "config"),
    spec: {
      secretName: certificateSecretName(job, role),
      commonName: `${job.metadata.name} ${role}`,
      dnsNames: dnsNames[role],
      ...(role === "client" ? {} : { ipAddresses: LOCAL_HOSTS.filter((h) => h !== "localhost") }),
      usages: USAGES[role],
      duration: "8760h",
      renewBefore: "720h",
      privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
      issuerRef: { name: issuer.name, kind: issuer.kind ?? "Issuer", group: "cert-manager.io" },
    },
  }));
}

/** Whether cert-manager has written a role's Secret in full (until then no pod may mount it). */
export function certificateSecretReady(secret: V1Secret | undefined): boolean {
  const d = secret?.data ?? {};
  return Boolean(d[TLS_FILES.ca] && d[TLS_FILES.cert] && d[TLS_FILES.key]);
}

/** The volume of one role: cert-manager's Secret already has the file names `--tls-dir` reads. */
export function certificateVolume(job: StreamJob, role: "coordinator" | "worker", name: string): V1Volume {
  return {
    name,
    // Owner and group read: the pods run as a non-root user with fsGroup.
    secret: { secretName: certificateSecretName(job, role), defaultMode: 0o440 },
  };
}
