import { createCa, issueCertificate, issuerOf, type KeyPair } from "./certificates.js";

/**
 * The certificates of one job: its own CA, one certificate for the coordinator, one shared by the
 * workers, and one for clients (the operator, the CLI). A CA per job means a certificate of one
 * job is worthless against another.
 *
 * Peers check each other by role name, not by the address they dialled: workers advertise pod
 * IPs, which are unknown when the certificates are made, and tests and `kubectl port-forward`
 * dial 127.0.0.1. So every server certificate carries its role's name (ROLE_NAMES) and clients
 * verify that name against the job CA (grpc's ssl_target_name_override); a worker's certificate
 * cannot pass as the coordinator's, nor the client's as either.
 */
export const ROLE_NAMES = {
  coordinator: "sabot-coordinator",
  worker: "sabot-worker",
  client: "sabot-client",
} as const;

/** Names every server certificate also carries, for tools that check the dialled host (grpcurl). */
export const LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1"];

export interface JobCertificates {
  ca: KeyPair;
  coordinator: KeyPair;
  worker: KeyPair;
  client: KeyPair;
}

export interface JobCertificateOptions {
  /** Keep this CA (a rotation of the leaves only): certificates issued before stay valid. */
  ca?: KeyPair;
  /** Further DNS names of the coordinator (its Service) and of the workers (their headless Service). */
  coordinatorHosts?: string[];
  workerHosts?: string[];
  /** Leaf validity (tests make expired ones). */
  notBefore?: Date;
  notAfter?: Date;
}

export function issueJobCertificates(job: string, opts: JobCertificateOptions = {}): JobCertificates {
  const ca = opts.ca ?? createCa(`sabot job ${job} CA`);
  const when = { notBefore: opts.notBefore, notAfter: opts.notAfter };
  const issuer = issuerOf(ca);
  return {
    ca,
    coordinator: issueCertificate(issuer, {
      commonName: `${job} coordinator`,
      hosts: [ROLE_NAMES.coordinator, ...(opts.coordinatorHosts ?? []), ...LOCAL_HOSTS],
      usage: ["server"],
      ...when,
    }),
    worker: issueCertificate(issuer, {
      commonName: `${job} worker`,
      hosts: [ROLE_NAMES.worker, ...(opts.workerHosts ?? []), ...LOCAL_HOSTS],
      usage: ["server", "client"],
      ...when,
    }),
    client: issueCertificate(issuer, {
      commonName: `${job} client`,
      hosts: [ROLE_NAMES.client],
      usage: ["client"],
      ...when,
    }),
  };
}
