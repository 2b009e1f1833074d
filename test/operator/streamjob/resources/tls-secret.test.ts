import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import {
  buildTlsSecret,
  clientTlsOf,
  jobHosts,
  secretCa,
  TLS_SPEC_HASH,
  tlsSecretAction,
  tlsVolume,
} from "../../../../operator/streamjob/resources/tls-secret.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import { issueCertificate } from "../../../../runtime/contract/tls/certificates.js";
import { issueJobCertificates } from "../../../../runtime/contract/tls/job-certificates.js";
import { streamJob } from "./fixtures.js";

const job = streamJob("orders");
const certs = issueJobCertificates("orders", jobHosts(job));
const secret = buildTlsSecret(job, certs, "hash-1");
const NOW = new Date();

describe("the job's TLS Secret", () => {
  it("is owned by the StreamJob, records the spec it was issued for, and holds every role's pair and the CA", () => {
    expect(secret.metadata?.name).toBe("orders-tls");
    expect(secret.metadata?.namespace).toBe("team-a");
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "StreamJob",
      name: "orders",
      controller: true,
    });
    expect(secret.metadata?.annotations?.[TLS_SPEC_HASH]).toBe("hash-1");
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(
      [
        "ca.crt",
        "ca.key",
        "client.crt",
        "client.key",
        "coordinator.crt",
        "coordinator.key",
        "worker.crt",
        "worker.key",
      ].sort(),
    );
    expect(secretCa(secret)).toEqual(certs.ca);
    expect(clientTlsOf(secret)?.cert.toString()).toBe(certs.client.cert);
  });

  it("names the coordinator's Service and the workers' pod DNS names in the certificates", () => {
    const coordinator = new X509Certificate(certs.coordinator.cert).subjectAltName ?? "";
    expect(coordinator).toContain("DNS:orders-coordinator.team-a.svc");
    expect(coordinator).toContain("DNS:orders-coordinator.team-a.svc.cluster.local");
    expect(new X509Certificate(certs.worker.cert).subjectAltName).toContain("DNS:*.orders-workers.team-a.svc");
  });

  it("is kept while the deployed spec is the same, rotated (same CA) for another, issued anew when missing", () => {
    expect(tlsSecretAction(secret, "hash-1", NOW)).toBe("keep");
    expect(tlsSecretAction(secret, "hash-2", NOW)).toBe("rotate");
    expect(tlsSecretAction(undefined, "hash-1", NOW)).toBe("issue");
    const noCa = { ...secret, data: { ...secret.data, "ca.key": "" } };
    expect(tlsSecretAction(noCa, "hash-1", NOW)).toBe("issue");
  });

  it("rotates leaves that expire within 30 days, and issues a new CA when the CA does", () => {
    const in20Days = new Date(NOW.getTime() + 20 * 86_400_000);
    const short = issueCertificate(certs.ca, {
      commonName: "short",
      hosts: ["sabot-worker"],
      usage: ["server", "client"],
      notAfter: in20Days,
    });
    const shortLeaf = buildTlsSecret(job, { ...certs, worker: short }, "hash-1");
    expect(tlsSecretAction(shortLeaf, "hash-1", NOW)).toBe("rotate");
    const later = new Date(NOW.getTime() + 3640 * 86_400_000);
    expect(tlsSecretAction(secret, "hash-1", later)).toBe("issue");
  });

  it("coordinator and worker pods mount their own pair and the CA certificate only, and point --tls-dir at them", () => {
    const settings = operatorSettings();
    const coordinator = buildCoordinatorDeployment(job, settings).spec!.template.spec!;
    const worker = buildWorkerStatefulSet(job, settings).spec!.template.spec!;
    for (const [pod, role] of [
      [coordinator, "coordinator"],
      [worker, "worker"],
    ] as const) {
      const volume = pod.volumes?.find((v) => v.name === "tls");
      expect(volume).toEqual(tlsVolume(job, role));
      expect(volume?.secret?.items).toEqual([
        { key: "ca.crt", path: "ca.crt" },
        { key: `${role}.crt`, path: "tls.crt" },
        { key: `${role}.key`, path: "tls.key" },
      ]);
      const c = pod.containers[0];
      expect(c.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/sabot-tls", readOnly: true });
      expect(c.args?.slice(-2)).toEqual(["--tls-dir", "/etc/sabot-tls"]);
    }
  });
});
