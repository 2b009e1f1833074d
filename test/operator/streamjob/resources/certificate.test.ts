import type { KubernetesObject, V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  buildCertificates,
  certificateSecretName,
  certificateSecretReady,
} from "../../../../operator/streamjob/resources/certificate.js";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { jobHosts, tlsVolume } from "../../../../operator/streamjob/resources/tls-secret.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import { streamJob } from "./fixtures.js";

type Certificate = KubernetesObject & {
  spec: {
    secretName: string;
    dnsNames: string[];
    ipAddresses?: string[];
    usages: string[];
    issuerRef: { name: string; kind: string; group: string };
  };
};

const job = streamJob("orders", { tls: { issuerRef: { name: "team-ca" } } });
const certificates = () => buildCertificates(job, { name: "team-ca" }, jobHosts(job)) as Certificate[];

describe("cert-manager Certificates (spec.tls.issuerRef)", () => {
  it("renders one Certificate per role, owned by the job, naming the issuer (kind Issuer by default)", () => {
    const certs = certificates();
    expect(certs.map((c) => [c.apiVersion, c.kind, c.metadata?.name, c.spec.secretName])).toEqual([
      ["cert-manager.io/v1", "Certificate", "orders-coordinator-tls", "orders-coordinator-tls"],
      ["cert-manager.io/v1", "Certificate", "orders-worker-tls", "orders-worker-tls"],
      ["cert-manager.io/v1", "Certificate", "orders-client-tls", "orders-client-tls"],
    ]);
    for (const c of certs) {
      expect(c.metadata?.namespace).toBe("team-a");
      expect(c.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "StreamJob", name: "orders", controller: true });
      expect(c.spec.issuerRef).toEqual({ name: "team-ca", kind: "Issuer", group: "cert-manager.io" });
    }
    const cluster = buildCertificates(job, { name: "corp", kind: "ClusterIssuer" }, jobHosts(job)) as Certificate[];
    expect(cluster[0]!.spec.issuerRef.kind).toBe("ClusterIssuer");
  });

  it("gives each role the names and usages peers verify (role name first), as the operator's own CA does", () => {
    const [coordinator, worker, client] = certificates();
    expect(coordinator!.spec.dnsNames).toEqual([
      "sabot-coordinator",
      "orders-coordinator",
      "orders-coordinator.team-a",
      "orders-coordinator.team-a.svc",
      "orders-coordinator.team-a.svc.cluster.local",
      "localhost",
    ]);
    expect(coordinator!.spec.usages).toContain("server auth");
    expect(coordinator!.spec.usages).not.toContain("client auth");
    expect(worker!.spec.dnsNames[0]).toBe("sabot-worker");
    expect(worker!.spec.usages).toEqual(expect.arrayContaining(["server auth", "client auth"]));
    expect(client!.spec.dnsNames).toEqual(["sabot-client"]);
    expect(client!.spec.usages).toContain("client auth");
    expect(client!.spec.usages).not.toContain("server auth");
    expect(client!.spec.ipAddresses).toBeUndefined();
  });

  it("mounts cert-manager's Secret of each role in its pods instead of the operator's Secret", () => {
    const settings = operatorSettings({ image: "sabot:test" });
    const volumes = (o: { spec?: { template: { spec?: { volumes?: unknown[] } } } }) => o.spec!.template.spec!.volumes;
    expect(volumes(buildCoordinatorDeployment(job, settings))).toContainEqual(tlsVolume(job, "coordinator"));
    expect(tlsVolume(job, "coordinator").secret).toEqual({ secretName: "orders-coordinator-tls", defaultMode: 0o440 });
    expect(volumes(buildWorkerStatefulSet(job, settings))).toContainEqual(
      expect.objectContaining({
        secret: expect.objectContaining({ secretName: certificateSecretName(job, "worker") }),
      }),
    );
    expect(tlsVolume(streamJob("orders"), "worker").secret?.secretName).toBe("orders-tls");
  });

  it("counts a Secret as issued only with ca.crt, tls.crt and tls.key all in it", () => {
    const secret = (data: Record<string, string>): V1Secret => ({ data });
    expect(certificateSecretReady(undefined)).toBe(false);
    expect(certificateSecretReady(secret({ "tls.crt": "x", "tls.key": "y" }))).toBe(false);
    expect(certificateSecretReady(secret({ "ca.crt": "c", "tls.crt": "x", "tls.key": "y" }))).toBe(true);
  });
});
