import { X509Certificate } from "node:crypto";
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  type V1Secret,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { JobTlsSecrets, REREAD_AFTER_MS } from "../../../operator/streamjob/job-tls.js";
import { TLS_SPEC_HASH } from "../../../operator/streamjob/resources/tls-secret.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import { waitFor } from "../../env/lib/wait.js";
import { freshNamespace, installCrds, kubeConfig } from "../kube/kube.js";
import { jobSpec } from "./resources/fixtures.js";

/**
 * The operator's TLS Secret of a job on a real API server: created with the job's certificates and
 * owned by it, kept while the deployed spec stays, rotated (same CA) for a new one, issued anew
 * when deleted, and the source of the operator's client certificate. A job never deployed before
 * gets its Secret created without a read.
 */
describe("a job's TLS Secret on a real API server", () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns = "";
  let job: StreamJob;

  beforeAll(async () => {
    kc = kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await installCrds(kc);
    ns = await freshNamespace(kc, "job-tls");
    const custom = kc.makeApiClient(CustomObjectsApi);
    const created = await waitFor(
      () =>
        custom.createNamespacedCustomObject({
          group: API_GROUP,
          version: "v1alpha1",
          namespace: ns,
          plural: "streamjobs",
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "secure" }, spec: jobSpec() },
        }),
      { what: "StreamJob secure to be created", timeoutMs: 30_000 },
    );
    job = created as StreamJob;
  });

  afterAll(async () => {
    if (ns) await core.deleteNamespace({ name: ns });
  });

  const secrets = () => new JobTlsSecrets(KubernetesObjectApi.makeApiClient(kc));
  const read = () => core.readNamespacedSecret({ name: "secure-tls", namespace: ns });
  const pem = (s: V1Secret, key: string) => Buffer.from(s.data?.[key] ?? "", "base64").toString("utf8");

  it("is created owned by the job, and gives the operator a client certificate of the job CA", async () => {
    const tls = secrets();
    await tls.ensure(job);
    const s = await read();
    expect(s.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "StreamJob",
      name: "secure",
      uid: job.metadata.uid,
    });
    const ca = new X509Certificate(pem(s, "ca.crt"));
    for (const role of ["coordinator", "worker", "client"])
      expect(new X509Certificate(pem(s, `${role}.crt`)).verify(ca.publicKey), role).toBe(true);
    const client = await secrets().client(job);
    expect(client.cert.toString()).toBe(pem(s, "client.crt"));
    expect(client.ca.toString()).toBe(pem(s, "ca.crt"));
  });

  it("is left alone while the deployed spec stays the same", async () => {
    const before = await read();
    await secrets().ensure(job);
    expect((await read()).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it("gets new leaves signed by the same CA for a new deployed spec", async () => {
    const before = await read();
    await secrets().ensure({ ...job, spec: { ...job.spec, parallelism: 3 } });
    const after = await read();
    expect(pem(after, "ca.crt")).toBe(pem(before, "ca.crt"));
    expect(pem(after, "worker.crt")).not.toBe(pem(before, "worker.crt"));
    expect(after.metadata?.annotations?.[TLS_SPEC_HASH]).not.toBe(before.metadata?.annotations?.[TLS_SPEC_HASH]);
    const ca = new X509Certificate(pem(after, "ca.crt"));
    expect(new X509Certificate(pem(after, "worker.crt")).verify(ca.publicKey)).toBe(true);
  });

  it("is read again after an unreachable coordinator only once what was read is a minute old", async () => {
    let nowMs = Date.now();
    const tls = new JobTlsSecrets(KubernetesObjectApi.makeApiClient(kc), () => new Date(nowMs));
    const first = await tls.client(job);
    const key = `${ns}/secure`;
    // Replaced behind the operator's back: a new CA, as after someone deleted the Secret.
    await core.deleteNamespacedSecret({ name: "secure-tls", namespace: ns });
    await secrets().ensure(job);
    nowMs += REREAD_AFTER_MS - 1;
    tls.stale(key);
    expect((await tls.client(job)).ca.equals(first.ca)).toBe(true);
    nowMs += 1;
    tls.stale(key);
    expect(pem(await read(), "ca.crt")).not.toBe(first.ca.toString());
    expect((await tls.client(job)).ca.toString()).toBe(pem(await read(), "ca.crt"));
  });

  it("is issued anew, with a new CA, after someone deleted it", async () => {
    const before = await read();
    await core.deleteNamespacedSecret({ name: "secure-tls", namespace: ns });
    await secrets().ensure(job);
    const after = await read();
    expect(pem(after, "ca.crt")).not.toBe(pem(before, "ca.crt"));
  });

  it("is created for a new job without reading it first, and rotated later like any other", async () => {
    await core.deleteNamespacedSecret({ name: "secure-tls", namespace: ns });
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const reads = vi.spyOn(objects, "read");
    const tls = new JobTlsSecrets(objects);
    await tls.ensure(job, { fresh: true });
    expect(reads).not.toHaveBeenCalled();
    const created = await read();
    expect((await tls.client(job)).cert.toString()).toBe(pem(created, "client.crt"));
    // Created by POST, then server-side applied by the same field manager: no conflict.
    await tls.ensure({ ...job, spec: { ...job.spec, parallelism: 5 } });
    const rotated = await read();
    expect(pem(rotated, "ca.crt")).toBe(pem(created, "ca.crt"));
    expect(pem(rotated, "worker.crt")).not.toBe(pem(created, "worker.crt"));
  });

  it("is kept when a job taken for new already has one", async () => {
    const before = await read();
    const tls = secrets();
    await tls.ensure({ ...job, spec: { ...job.spec, parallelism: 5 } }, { fresh: true });
    expect((await read()).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect((await tls.client(job)).cert.toString()).toBe(pem(before, "client.crt"));
  });
});
