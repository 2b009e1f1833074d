import { generateKeyPairSync, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";

/**
 * A small certificate authority for one job: a self-signed CA and the leaf certificates it signs.
 * Node's crypto parses X.509 but cannot create it, so certificates are assembled and signed with
 * node-forge (pure JS, no native code, no global polyfills); keys are RSA 2048 made by Node's
 * crypto (forge's own key generation is pure JS and slower).
 */

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

export type Usage = "server" | "client";

export interface LeafRequest {
  commonName: string;
  /** DNS names and IP addresses the certificate names (subjectAltName). */
  hosts: string[];
  usage: Usage[];
  /** Validity; default: from now (less a minute of clock skew) for `days`. */
  notBefore?: Date;
  notAfter?: Date;
}

export class CertificateError extends Error {
  override name = "CertificateError";
}

const DAY_MS = 86_400_000;
/** Peers whose clocks run a little behind still accept a certificate issued just now. */
const SKEW_MS = 60_000;
export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_LEAF_DAYS = 365;

function rsaKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

/** A positive 128-bit serial (the top bit cleared, so DER does not read it as negative). */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString("hex");
}

function validity(cert: forge.pki.Certificate, notBefore: Date | undefined, notAfter: Date | undefined, days: number) {
  const from = notBefore ?? new Date(Date.now() - SKEW_MS);
  const to = notAfter ?? new Date(from.getTime() + SKEW_MS + days * DAY_MS);
  if (to <= from)
    throw new CertificateError(`notAfter (${to.toISOString()}) must be after notBefore (${from.toISOString()})`);
  cert.validity.notBefore = from;
  cert.validity.notAfter = to;
}

/** A self-signed CA that may sign leaves only (path length 0). */
export function createCa(commonName: string, opts: { days?: number; notBefore?: Date; notAfter?: Date } = {}): KeyPair {
  const { publicKey, privateKey } = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial();
  validity(cert, opts.notBefore, opts.notAfter, opts.days ?? DEFAULT_CA_DAYS);
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

/** A leaf certificate for `req.hosts`, signed by `ca`. */
export function issueCertificate(ca: KeyPair, req: LeafRequest, days = DEFAULT_LEAF_DAYS): KeyPair {
  if (req.hosts.length === 0) throw new CertificateError(`certificate ${req.commonName}: give at least one host name`);
  if (req.usage.length === 0)
    throw new CertificateError(`certificate ${req.commonName}: give its usage (server, client)`);
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const { publicKey, privateKey } = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial();
  validity(cert, req.notBefore, req.notAfter, days);
  cert.setSubject([{ name: "commonName", value: req.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: req.usage.includes("server"), clientAuth: req.usage.includes("client") },
    // forge types altNames loosely; type 2 is dNSName, 7 is iPAddress (RFC 5280).
    { name: "subjectAltName", altNames: req.hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}
