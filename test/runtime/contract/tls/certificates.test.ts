import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, describe, expect, it } from "vitest";
import {
  CertificateError,
  createCa,
  issueCertificate,
  type KeyPair,
} from "../../../../runtime/contract/tls/certificates.js";
import {
  readTlsDir,
  requireTls,
  TlsConfigError,
  tlsSetting,
  writeJobTlsDirs,
} from "../../../../runtime/contract/tls/files.js";
import { issueJobCertificates, ROLE_NAMES } from "../../../../runtime/contract/tls/job-certificates.js";

const certs = issueJobCertificates("orders", {
  coordinatorHosts: ["orders-coordinator.team-a.svc"],
  workerHosts: ["*.orders-workers.team-a.svc"],
});
const x509 = (pem: string) => new X509Certificate(pem);
const sans = (pem: string) => (x509(pem).subjectAltName ?? "").split(", ");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("job certificates", () => {
  it("the CA is a CA that signed every leaf; no leaf is a CA", () => {
    const ca = x509(certs.ca.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain("sabot job orders CA");
    for (const role of ["coordinator", "worker", "client"] as const) {
      const leaf = x509(certs[role].cert);
      expect(leaf.ca, role).toBe(false);
      expect(leaf.checkIssued(ca), role).toBe(true);
      expect(leaf.verify(ca.publicKey), role).toBe(true);
      expect(leaf.checkPrivateKey(createPrivateKey(certs[role].key)), role).toBe(true);
    }
  });

  it("server certificates name their role, the given hosts and loopback; the client names its role only", () => {
    expect(sans(certs.coordinator.cert)).toEqual([
      `DNS:${ROLE_NAMES.coordinator}`,
      "DNS:orders-coordinator.team-a.svc",
      "DNS:localhost",
      "IP Address:127.0.0.1",
      "IP Address:0:0:0:0:0:0:0:1",
    ]);
    expect(sans(certs.worker.cert)).toContain(`DNS:${ROLE_NAMES.worker}`);
    expect(sans(certs.worker.cert)).toContain("DNS:*.orders-workers.team-a.svc");
    expect(sans(certs.worker.cert)).not.toContain(`DNS:${ROLE_NAMES.coordinator}`);
    expect(sans(certs.client.cert)).toEqual([`DNS:${ROLE_NAMES.client}`]);
  });

  it("leaves are valid from about now for a year; the CA for ten", () => {
    const now = Date.now();
    const leaf = x509(certs.worker.cert);
    expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(now);
    expect(Date.parse(leaf.validFrom)).toBeGreaterThan(now - 5 * 60_000);
    const year = 365 * 86_400_000;
    expect(Math.abs(Date.parse(leaf.validTo) - now - year)).toBeLessThan(10 * 60_000);
    expect(Date.parse(x509(certs.ca.cert).validTo) - now).toBeGreaterThan(9.9 * year);
  });

  it("a rotation keeps the CA: new leaves, same issuer, old and new leaves both verify", () => {
    const rotated = issueJobCertificates("orders", { ca: certs.ca });
    expect(rotated.ca).toBe(certs.ca);
    expect(rotated.worker.cert).not.toBe(certs.worker.cert);
    expect(x509(rotated.worker.cert).serialNumber).not.toBe(x509(certs.worker.cert).serialNumber);
    expect(x509(rotated.worker.cert).verify(x509(certs.ca.cert).publicKey)).toBe(true);
  });

  it("another job's CA signed nothing of this job", () => {
    const other = createCa("other");
    expect(x509(certs.client.cert).verify(x509(other.cert).publicKey)).toBe(false);
    expect(x509(certs.client.cert).checkIssued(x509(other.cert))).toBe(false);
  });

  it("issues certificates with a given validity (expired ones for tests) and refuses nonsense", () => {
    const expired = issueCertificate(certs.ca, {
      commonName: "old",
      hosts: ["sabot-client"],
      usage: ["client"],
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expect(Date.parse(x509(expired.cert).validTo)).toBeLessThan(Date.now());
    expect(() => issueCertificate(certs.ca, { commonName: "x", hosts: [], usage: ["client"] })).toThrow(
      CertificateError,
    );
    expect(() =>
      issueCertificate(certs.ca, {
        commonName: "x",
        hosts: ["a"],
        usage: ["server"],
        notBefore: new Date(2030, 0, 2),
        notAfter: new Date(2030, 0, 1),
      }),
    ).toThrow(/must be after notBefore/);
  });
});

/** A CA as Sabot made them before ECDSA: an RSA key, the certificate encoded and signed by node-forge. */
function rsaCaOfEarlierVersions(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: "sabot job legacy CA" }]);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([{ name: "basicConstraints", cA: true, critical: true }, { name: "subjectKeyIdentifier" }]);
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

describe("certificate keys and signatures", () => {
  it("keys are ECDSA P-256 and certificates are signed with ECDSA SHA-256", () => {
    for (const pair of [certs.ca, certs.worker]) {
      const key = createPrivateKey(pair.key);
      expect(key.asymmetricKeyType).toBe("ec");
      expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    }
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) as DER, right after the TBS in the certificate.
    expect(x509(certs.worker.cert).raw.includes(Buffer.from("06082a8648ce3d040302", "hex"))).toBe(true);
  });

  it("the leaf's issuer and authority key id match the CA's subject and key id", () => {
    const ca = x509(certs.ca.cert);
    const leaf = x509(certs.coordinator.cert);
    expect(leaf.issuer).toBe(ca.subject);
    // subjectKeyIdentifier: its OID, then OCTET STRING { OCTET STRING (20 bytes) }; the leaf's
    // authorityKeyIdentifier holds the same 20 bytes as [0].
    const ski = ca.raw.subarray(ca.raw.indexOf(Buffer.from("0603551d0e", "hex")));
    const id = ski.subarray(9, 29);
    expect(leaf.raw.includes(Buffer.concat([Buffer.from("80", "hex"), Buffer.from([20]), id]))).toBe(true);
  });

  it("a CA made by earlier versions (RSA, signed by forge) still signs new leaves", () => {
    const legacy = rsaCaOfEarlierVersions();
    const leaf = issueCertificate(legacy, { commonName: "rotated", hosts: ["sabot-worker"], usage: ["server"] });
    expect(x509(leaf.cert).checkIssued(x509(legacy.cert))).toBe(true);
    expect(x509(leaf.cert).verify(x509(legacy.cert).publicKey)).toBe(true);
    // sha256WithRSAEncryption (1.2.840.113549.1.1.11)
    expect(x509(leaf.cert).raw.includes(Buffer.from("06092a864886f70d01010b", "hex"))).toBe(true);
  });
});

describe("TLS folders and settings", () => {
  it("writes and reads the Kubernetes TLS layout, keys readable by the owner only", () => {
    const root = mkdtempSync(join(tmpdir(), "sabot-tls-test-"));
    dirs.push(root);
    const written = writeJobTlsDirs(root, certs);
    const read = readTlsDir(written.worker);
    expect(read.ca.toString()).toBe(certs.ca.cert);
    expect(read.cert.toString()).toBe(certs.worker.cert);
    expect(read.key.toString()).toBe(certs.worker.key);
    expect(statSync(join(written.worker, "tls.key")).mode & 0o777).toBe(0o600);
    expect(() => readTlsDir(root)).toThrow(/has no ca.crt/);
  });

  it("TLS is on unless explicitly turned off; neither given is refused with what to do", () => {
    const root = mkdtempSync(join(tmpdir(), "sabot-tls-test-"));
    dirs.push(root);
    const { client } = writeJobTlsDirs(root, certs);
    expect(tlsSetting({ tlsDir: client }, {})).toMatchObject({ dir: client });
    expect(tlsSetting({}, { SABOT_TLS_DIR: client })).toMatchObject({ dir: client });
    expect(tlsSetting({ insecure: true }, { SABOT_TLS_DIR: client })).toBe("insecure");
    expect(tlsSetting({}, { SABOT_TLS: "off" })).toBe("insecure");
    expect(tlsSetting({}, {})).toBeNull();
    expect(() => tlsSetting({}, { SABOT_TLS: "maybe" })).toThrow(TlsConfigError);
    expect(() => requireTls(null, "the worker")).toThrow(
      /the worker needs certificates: pass --tls-dir.*SABOT_TLS=off/,
    );
  });
});
