import { ApiException, type KubernetesObjectApi, PatchStrategy, type V1Secret } from "@kubernetes/client-node";
import type { TlsFiles } from "../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../runtime/contract/tls/job-certificates.js";
import { MANAGED_BY, type StreamJob } from "./job.js";
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
}

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
   * hand comes back before a pod that mounts it is started again.
   */
  async ensure(job: StreamJob): Promise<void> {
    const hash = specHash(deployedJob(job));
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
    const secret = await this.read(job);
    if (!secret)
      throw new JobTlsError(
        `job ${keyOf(job)} has no Secret ${tlsSecretName(job)} yet: the operator creates it when it deploys the job`,
      );
    this.remember(job, secret);
    return this.known.get(keyOf(job))!.client;
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  private remember(job: StreamJob, secret: V1Secret): void {
    const client = clientTlsOf(secret);
    if (!client)
      throw new JobTlsError(
        `Secret ${tlsSecretName(job)} has no client certificate: delete it and the operator issues a new one`,
      );
    this.known.set(keyOf(job), { uid: job.metadata.uid, client });
  }

  private async read(job: StreamJob): Promise<V1Secret | undefined> {
    try {
      return await this.objects.read<V1Secret>({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: tlsSecretName(job), namespace: job.metadata.namespace },
      });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }
}

const keyOf = (job: StreamJob) => `${job.metadata.namespace}/${job.metadata.name}`;
