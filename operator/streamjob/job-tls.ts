import { ApiException, type KubernetesObjectApi, PatchStrategy, type V1Secret } from "@kubernetes/client-node";
import { TLS_FILES, type TlsFiles } from "../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../runtime/contract/tls/job-certificates.js";
import { MANAGED_BY, type StreamJob } from "./job.js";
import {
  buildCertificates,
  CERTIFICATE_ROLES,
  certificateSecretName,
  certificateSecretReady,
  type IssuerRef,
  issuerRefOf,
} from "./resources/certificate.js";
import { specHash } from "./resources/configmap.js";
import {
  buildTlsSecret,
  clientTlsOf,
  jobHosts,
  secretCa,
  tlsSecretAction,
  tlsSecretName,
} from "./resources/tls-secret.js";
import { deployedJob } from "./states/spec.js";

export class JobTlsError extends Error {
  override name = "JobTlsError";
}

interface Known {
  uid: string;
  client: TlsFiles;
  /** When it was read or written (ms, the injected clock). */
  atMs: number;
}

/**
 * How old what was read must be before an unreachable coordinator makes the operator read the
 * Secret again: often enough to pick up a Secret changed behind its back (cert-manager renewing
 * it, a hand edit) within a minute, rarely enough that a coordinator still starting costs no
 * Secret read per observation.
 */
export const REREAD_AFTER_MS = 60_000;

/**
 * Each job's TLS Secret (resources/tls-secret.ts): issued before the job's pods first start,
 * rotated with the deployed spec, and the source of the operator's own client certificate for
 * the job's coordinator. The client certificate is kept in memory after the first read.
 */
export class JobTlsSecrets {
  private readonly known = new Map<string, Known>();
  /** Reads in flight, so calls made together (status and metrics) read the Secret once. */
  private readonly reading = new Map<string, Promise<TlsFiles>>();

  constructor(
    private readonly objects: KubernetesObjectApi,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Makes the Secret what the job's deployed spec needs (before its pods are applied). Read each
   * time the children are applied (on a change, else every few minutes), so a Secret deleted by
   * hand comes back before a pod that mounts it is started again. `fresh`: the job was never
   * deployed, so its Secret is created without reading first (one request and one round trip
   * less per new job); it is read as usual only if it exists already.
   */
  async ensure(job: StreamJob, opts: { fresh?: boolean } = {}): Promise<void> {
    const issuer = issuerRefOf(job);
    if (issuer) return this.ensureIssued(job, issuer);
    const hash = specHash(deployedJob(job));
    if (opts.fresh && (await this.created(job, hash))) return;
    const existing = await this.read(job);
    const action = tlsSecretAction(existing, hash, this.now());
    if (existing && action === "keep") return this.remember(job, existing);
    const ca = existing && action === "rotate" ? secretCa(existing) : undefined;
    const certs = issueJobCertificates(job.metadata.name, { ...jobHosts(job), ...(ca ? { ca } : {}) });
    const applied = await this.objects.patch(
      buildTlsSecret(job, certs, hash),
      undefined,
      undefined,
      MANAGED_BY,
      true,
      PatchStrategy.ServerSideApply,
    );
    this.remember(job, applied);
  }

  /** Creates the Secret with new certificates; false when it exists already. */
  private async created(job: StreamJob, hash: string): Promise<boolean> {
    const certs = issueJobCertificates(job.metadata.name, jobHosts(job));
    try {
      this.remember(job, await this.objects.create(buildTlsSecret(job, certs, hash), undefined, undefined, MANAGED_BY));
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return false;
      throw err;
    }
  }

  /**
   * With spec.tls.issuerRef: the job's Certificates applied, and a JobTlsError (the reconcile is
   * retried with backoff, no pod is applied) until cert-manager has written all three Secrets.
   */
  private async ensureIssued(job: StreamJob, issuer: IssuerRef): Promise<void> {
    for (const certificate of buildCertificates(job, issuer, jobHosts(job)))
      await this.objects.patch(certificate, undefined, undefined, MANAGED_BY, true, PatchStrategy.ServerSideApply);
    const secrets = await Promise.all(
      CERTIFICATE_ROLES.map((role) => this.read(job, certificateSecretName(job, role))),
    );
    const pending = CERTIFICATE_ROLES.filter((_, i) => !certificateSecretReady(secrets[i]));
    if (pending.length > 0) {
      const names = pending.map((role) => certificateSecretName(job, role)).join(", ");
      throw new JobTlsError(
        `job ${keyOf(job)} waits for cert-manager (${issuer.kind ?? "Issuer"} ${issuer.name}) to issue Secret ${names}; ` +
          `kubectl describe certificate ${certificateSecretName(job, pending[0]!)} -n ${job.metadata.namespace} says why not yet`,
      );
    }
    this.remember(job, secrets[CERTIFICATE_ROLES.indexOf("client")]!);
  }

  /** The operator's credentials for the job's coordinator. */
  async client(job: StreamJob): Promise<TlsFiles> {
    const key = keyOf(job);
    const k = this.known.get(key);
    if (k?.uid === job.metadata.uid) return k.client;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.readClient(job).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async readClient(job: StreamJob): Promise<TlsFiles> {
    const name = secretOf(job);
    const secret = await this.read(job, name);
    if (!secret)
      throw new JobTlsError(
        `job ${keyOf(job)} has no Secret ${name} yet: ${issuerRefOf(job) ? "cert-manager writes" : "the operator creates"} it when the job is deployed`,
      );
    this.remember(job, secret);
    return this.known.get(keyOf(job))!.client;
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  /** The coordinator could not be reached: what was read is read again if older than REREAD_AFTER_MS. */
  stale(key: string): void {
    const k = this.known.get(key);
    if (k && this.now().getTime() - k.atMs >= REREAD_AFTER_MS) this.known.delete(key);
  }

  private remember(job: StreamJob, secret: V1Secret): void {
    const client = issuerRefOf(job) ? issuedTlsOf(secret) : clientTlsOf(secret);
    if (!client)
      throw new JobTlsError(
        `Secret ${secretOf(job)} has no client certificate: delete it and ${issuerRefOf(job) ? "cert-manager" : "the operator"} issues a new one`,
      );
    this.known.set(keyOf(job), { uid: job.metadata.uid, client, atMs: this.now().getTime() });
  }

  private async read(job: StreamJob, name = tlsSecretName(job)): Promise<V1Secret | undefined> {
    try {
      return await this.objects.read<V1Secret>({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: job.metadata.namespace },
      });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }
}

const keyOf = (job: StreamJob) => `${job.metadata.namespace}/${job.metadata.name}`;

/** The Secret with the operator's client certificate: the job's own, or cert-manager's client one. */
const secretOf = (job: StreamJob) => (issuerRefOf(job) ? certificateSecretName(job, "client") : tlsSecretName(job));

/** A Secret cert-manager wrote (ca.crt, tls.crt, tls.key) as gRPC credentials take it. */
function issuedTlsOf(secret: V1Secret): TlsFiles | undefined {
  const d = secret.data;
  if (!certificateSecretReady(secret) || !d) return undefined;
  const file = (name: string) => Buffer.from(d[name]!, "base64");
  return { ca: file(TLS_FILES.ca), cert: file(TLS_FILES.cert), key: file(TLS_FILES.key) };
}
