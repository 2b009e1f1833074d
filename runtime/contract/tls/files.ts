import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyPair } from "./certificates.js";
import type { JobCertificates } from "./job-certificates.js";

/**
 * Certificates on disk in the layout of a Kubernetes TLS Secret mounted as a volume: ca.crt (the
 * job CA), tls.crt and tls.key (this process's certificate and key).
 */
export const TLS_FILES = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;

/** PEM contents of a TLS folder. */
export interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Where they were read from, for logs and messages. */
  dir?: string;
}

/** mTLS with these files, or plaintext when explicitly asked for (`--insecure` / SABOT_TLS=off). */
export type TlsSetting = TlsFiles | "insecure";

export class TlsConfigError extends Error {
  override name = "TlsConfigError";
}

export function readTlsDir(dir: string): TlsFiles {
  const read = (file: string) => {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new TlsConfigError(
        `TLS folder ${dir} has no ${file}: it needs ${Object.values(TLS_FILES).join(", ")} (a Kubernetes TLS Secret's layout)`,
      );
    return readFileSync(path);
  };
  return { ca: read(TLS_FILES.ca), cert: read(TLS_FILES.cert), key: read(TLS_FILES.key), dir };
}

/** Writes ca.crt, tls.crt and tls.key (the key readable by the owner only). */
export function writeTlsDir(dir: string, ca: string, pair: KeyPair): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, TLS_FILES.ca), ca);
  writeFileSync(join(dir, TLS_FILES.cert), pair.cert);
  writeFileSync(join(dir, TLS_FILES.key), pair.key, { mode: 0o600 });
  return dir;
}

/** One folder per role under `root` (coordinator/, worker/, client/), as `--tls-dir` takes them. */
export function writeJobTlsDirs(
  root: string,
  certs: JobCertificates,
): Record<"coordinator" | "worker" | "client", string> {
  return {
    coordinator: writeTlsDir(join(root, "coordinator"), certs.ca.cert, certs.coordinator),
    worker: writeTlsDir(join(root, "worker"), certs.ca.cert, certs.worker),
    client: writeTlsDir(join(root, "client"), certs.ca.cert, certs.client),
  };
}

/** The in-memory form of one role's folder. */
export function tlsFiles(ca: string, pair: KeyPair): TlsFiles {
  return { ca: Buffer.from(ca), cert: Buffer.from(pair.cert), key: Buffer.from(pair.key) };
}

type Env = Record<string, string | undefined>;

/**
 * `--tls-dir` / SABOT_TLS_DIR, or `--insecure` / SABOT_TLS=off; flags first. Null when neither is
 * given: a server or client then refuses to start (see requireTls).
 */
export function tlsSetting(flags: { tlsDir?: string; insecure?: boolean }, env: Env): TlsSetting | null {
  const off = env.SABOT_TLS === "off";
  if (env.SABOT_TLS !== undefined && env.SABOT_TLS !== "" && env.SABOT_TLS !== "off" && env.SABOT_TLS !== "on")
    throw new TlsConfigError(`SABOT_TLS must be on or off, got "${env.SABOT_TLS}"`);
  const dir = flags.tlsDir || env.SABOT_TLS_DIR || undefined;
  if (flags.insecure) return "insecure";
  if (dir) return readTlsDir(dir);
  return off ? "insecure" : null;
}

/** The setting, or a message that says how to give one. */
export function requireTls(setting: TlsSetting | null, who: string): TlsSetting {
  if (setting) return setting;
  throw new TlsConfigError(
    `${who} needs certificates: pass --tls-dir DIR or set SABOT_TLS_DIR (a folder with ${Object.values(TLS_FILES).join(", ")}), ` +
      "or run without TLS with --insecure or SABOT_TLS=off (local development only)",
  );
}

/** For start-up logs. */
export function describeTls(setting: TlsSetting): string {
  return setting === "insecure"
    ? "PLAINTEXT (TLS off: --insecure / SABOT_TLS=off; for local development only)"
    : `mTLS (${setting.dir ?? "certificates in memory"})`;
}
