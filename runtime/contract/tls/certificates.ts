import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";

/**
 * A small certificate authority for one job: a self-signed CA and the leaf certificates it signs.
 * Node's crypto parses X.509 but cannot create it, so the certificate's fields are encoded with
 * node-forge (pure JS, no global polyfills) and signed with Node's crypto. Keys are ECDSA P-256:
 * an RSA 2048 key took 0.3 s of the operator's main thread, and RSA signing in forge's JS as long
 * again, about 1 s per job on these machines, which left 500 new jobs waiting minutes in the queue
 * (docs/benchmarks.md). forge encodes RSA public keys only, so the key's SubjectPublicKeyInfo and
 * the signature algorithm are written into forge's structure by hand; a CA made by earlier
 * versions (RSA) still signs new leaves (a rotation keeps the CA).
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

/** A new key: the public half as the SubjectPublicKeyInfo the certificate carries, the private as PEM. */
function ecKeys(): { spki: forge.asn1.Asn1; signer: KeyObject; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    spki: spkiOf(publicKey),
    signer: privateKey,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
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
  const { spki, signer, privateKey } = ecKeys();
  const subject = nameAsn1(commonName);
  const tbs = tbsCertificate({
    issuer: subject,
    subject,
    spki,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    days: opts.days ?? DEFAULT_CA_DAYS,
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      octetExtension("subjectKeyIdentifier", keyIdentifier(spki)),
    ],
  });
  return { cert: signed(tbs, signer), key: privateKey };
}

/**
 * A CA ready to sign: its key, its subject as encoded and its key identifier, read once for all
 * the leaves it signs (reading them took about a third of issuing a job's certificates).
 */
export interface Issuer {
  signer: KeyObject;
  subject: forge.asn1.Asn1;
  keyId: Buffer;
}

export function issuerOf(ca: KeyPair): Issuer {
  const caCert = new X509Certificate(ca.cert);
  return {
    signer: createPrivateKey(ca.key),
    subject: subjectOf(caCert),
    keyId: keyIdentifier(spkiOf(caCert.publicKey)),
  };
}

/** A leaf certificate for `req.hosts`, signed by `ca`. */
export function issueCertificate(ca: KeyPair | Issuer, req: LeafRequest, days = DEFAULT_LEAF_DAYS): KeyPair {
  if (req.hosts.length === 0) throw new CertificateError(`certificate ${req.commonName}: give at least one host name`);
  if (req.usage.length === 0)
    throw new CertificateError(`certificate ${req.commonName}: give its usage (server, client)`);
  const issuer = "signer" in ca ? ca : issuerOf(ca);
  const { spki, privateKey } = ecKeys();
  const tbs = tbsCertificate({
    issuer: issuer.subject,
    subject: nameAsn1(req.commonName),
    spki,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    days,
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: req.usage.includes("server"), clientAuth: req.usage.includes("client") },
      // forge types altNames loosely; type 2 is dNSName, 7 is iPAddress (RFC 5280).
      {
        name: "subjectAltName",
        altNames: req.hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
      },
      octetExtension("subjectKeyIdentifier", keyIdentifier(spki)),
      authorityKeyIdentifier(issuer.keyId),
    ],
  });
  return { cert: signed(tbs, issuer.signer), key: privateKey };
}

const { asn1 } = forge;
const SEQUENCE = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const OID = (oid: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes());
const derOf = (node: forge.asn1.Asn1) => Buffer.from(asn1.toDer(node).getBytes(), "binary");
/**
 * DER to forge's ASN.1, leaving BIT STRINGs as bytes: by default forge parses one that happens to
 * hold DER (an RSA key does) into nodes, and the key identifier needs the raw bits. The option
 * exists in forge's parser; its type declarations only know the older boolean argument.
 */
const fromDer = (der: Buffer) =>
  (
    asn1.fromDer as unknown as (
      bytes: forge.util.ByteStringBuffer,
      options: { decodeBitStrings: boolean },
    ) => forge.asn1.Asn1
  )(forge.util.createBuffer(der.toString("binary")), { decodeBitStrings: false });

const spkiOf = (key: KeyObject) => fromDer(key.export({ type: "spki", format: "der" }));

/** RFC 5280's key identifier (method 1): SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: forge.asn1.Asn1): Buffer {
  const bits = (spki.value as forge.asn1.Asn1[])[1].value as string;
  // A BIT STRING's first byte counts unused bits (0 for keys); the key is the rest.
  return createHash("sha1").update(Buffer.from(bits, "binary").subarray(1)).digest();
}

function octetExtension(name: string, bytes: Buffer): Record<string, unknown> {
  return { name, value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes.toString("binary")) };
}

function authorityKeyIdentifier(id: Buffer): Record<string, unknown> {
  const keyId = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, id.toString("binary"));
  return { name: "authorityKeyIdentifier", value: SEQUENCE([keyId]) };
}

function nameAsn1(commonName: string): forge.asn1.Asn1 {
  const cert = forge.pki.createCertificate();
  cert.setSubject([{ name: "commonName", value: commonName }]);
  return forge.pki.distinguishedNameToAsn1(cert.subject);
}

/** The CA's subject exactly as encoded in its certificate (the leaf's issuer must match it byte for byte). */
function subjectOf(caCert: X509Certificate): forge.asn1.Asn1 {
  const tbs = (fromDer(caCert.raw).value as forge.asn1.Asn1[])[0];
  return (tbs.value as forge.asn1.Asn1[])[5];
}

interface TbsFields {
  issuer: forge.asn1.Asn1;
  subject: forge.asn1.Asn1;
  spki: forge.asn1.Asn1;
  notBefore?: Date;
  notAfter?: Date;
  days: number;
  extensions: Record<string, unknown>[];
}

/** Slots of a v3 TBSCertificate (RFC 5280 4.1): replaced after forge has encoded the rest. */
const TBS = { signature: 2, issuer: 3, subject: 5, publicKey: 6 } as const;

/**
 * The TBSCertificate: forge encodes version, serial, validity and extensions from a certificate
 * object that carries a stand-in RSA key; the names, the real key and the signature algorithm
 * (which must equal the signer's) are then put into their slots.
 */
function tbsCertificate(f: TbsFields): forge.asn1.Asn1 {
  const cert = forge.pki.createCertificate();
  cert.publicKey = STAND_IN_KEY;
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  cert.serialNumber = serial();
  validity(cert, f.notBefore, f.notAfter, f.days);
  cert.setExtensions(f.extensions);
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const slots = tbs.value as forge.asn1.Asn1[];
  slots[TBS.issuer] = f.issuer;
  slots[TBS.subject] = f.subject;
  slots[TBS.publicKey] = f.spki;
  return tbs;
}

/** forge exports getTBSCertificate, but its type declarations omit it. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

const STAND_IN_KEY = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger("3"), new forge.jsbn.BigInteger("3"));

/** AlgorithmIdentifier of a SHA-256 signature by `key`: ECDSA has no parameters, RSA a NULL. */
function signatureAlgorithm(key: KeyObject): forge.asn1.Asn1 {
  if (key.asymmetricKeyType === "ec") return SEQUENCE([OID("1.2.840.10045.4.3.2")]);
  if (key.asymmetricKeyType === "rsa")
    return SEQUENCE([OID("1.2.840.113549.1.1.11"), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")]);
  throw new CertificateError(`cannot sign with a ${key.asymmetricKeyType} key: give the CA an EC or RSA key`);
}

/** The certificate PEM: the TBS, the algorithm and the signature over the TBS's DER. */
function signed(tbs: forge.asn1.Asn1, signer: KeyObject): string {
  const algorithm = signatureAlgorithm(signer);
  (tbs.value as forge.asn1.Asn1[])[TBS.signature] = algorithm;
  const signature = sign("sha256", derOf(tbs), signer);
  const bits = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature.toString("binary")}`);
  const der = derOf(SEQUENCE([tbs, algorithm, bits]));
  return forge.pem.encode({ type: "CERTIFICATE", body: der.toString("binary") }, { maxline: 64 });
}
