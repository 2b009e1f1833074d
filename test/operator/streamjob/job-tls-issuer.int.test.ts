import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { JobTlsSecrets } from "../../../operator/streamjob/job-tls.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import { issueJobCertificates } from "../../../runtime/contract/tls/job-certificates.js";
import { freshNamespace, installCertificateCrd, installCrds, kubeConfig } from "../kube/kube.js";
import { jobSpec } from "./resources/fixtures.js";

type Certificate = { metadata: { name: string }; spec: { secretName: string; issuerRef: object; usages: string[] } };

/**
 * spec.tls.issuerRef on the real API server with cert-manager's own Certificate CRD (v1.16.2,
 * from its Go module): the Certificates the operator renders pass that CRD's schema, the operator
 * waits for their Secrets, and once Secrets of cert-manager's layout exist (written here as
 * cert-manager's controller would: it does not run in the test environment) it dials with the
 * client one. What cert-manager's controller would do with them is not tested.
 */
describe("cert-manager Certificates on the real API server", () => {
  const kc = kubeConfig();
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns = "";

  beforeAll(async () => {
    await installCrds(kc);
    await installCertificateCrd(kc);
    ns = await freshNamespace(kc, "certmgr");
  });
  afterAll(async () => {
    if (ns) await core.deleteNamespace({ name: ns });
  });

  it("applies Certificates the CRD accepts, waits for their Secrets, then uses the client Secret", async () => {
    const job = (await custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: "v1alpha1",
      namespace: ns,
      plural: "streamjobs",
      body: {
        apiVersion: API_VERSION,
        kind: "StreamJob",
        metadata: { name: "orders" },
        spec: jobSpec({ tls: { issuerRef: { name: "team-ca", kind: "ClusterIssuer" } } }),
      },
    })) as StreamJob;
    expect(job.spec.tls?.issuerRef).toEqual({ name: "team-ca", kind: "ClusterIssuer" });
    const tls = new JobTlsSecrets(objects);
    await expect(tls.ensure(job)).rejects.toThrow(
      /waits for cert-manager \(ClusterIssuer team-ca\) to issue Secret orders-coordinator-tls, orders-worker-tls, orders-client-tls/,
    );
    const { items } = (await custom.listNamespacedCustomObject({
      group: "cert-manager.io",
      version: "v1",
      namespace: ns,
      plural: "certificates",
    })) as { items: Certificate[] };
    expect(items.map((c) => [c.metadata.name, c.spec.secretName]).sort()).toEqual([
      ["orders-client-tls", "orders-client-tls"],
      ["orders-coordinator-tls", "orders-coordinator-tls"],
      ["orders-worker-tls", "orders-worker-tls"],
    ]);
    expect(items[0]!.spec.issuerRef).toEqual({ name: "team-ca", kind: "ClusterIssuer", group: "cert-manager.io" });

    // The Secrets as cert-manager writes them: type kubernetes.io/tls with ca.crt, tls.crt, tls.key.
    const certs = issueJobCertificates("orders");
    for (const role of ["coordinator", "worker", "client"] as const)
      await core.createNamespacedSecret({
        namespace: ns,
        body: {
          metadata: { name: `orders-${role}-tls` },
          type: "kubernetes.io/tls",
          stringData: { "ca.crt": certs.ca.cert, "tls.crt": certs[role].cert, "tls.key": certs[role].key },
        },
      });
    await tls.ensure(job);
    const client = await tls.client(job);
    expect(client.cert.toString()).toBe(certs.client.cert);
    expect(client.ca.toString()).toBe(certs.ca.cert);
  });
});
