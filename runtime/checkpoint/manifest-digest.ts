import { createHmac, timingSafeEqual } from "node:crypto";
import { CheckpointConfigError, CorruptCheckpointError } from "./errors.js";

/** A manifest as far as its digest goes (manifest.ts imports this module, not the reverse). */
type Signable = { digest?: string };

/**
 * A keyed digest of the manifest (HMAC-SHA-256), so that whoever can write to checkpoint storage
 * but does not hold the job's key cannot make a checkpoint restore: the manifest lists each state
 * file's SHA-256, so signing the manifest covers the state files too.
 */

/** The per-job key: a Secret's value in the coordinator's and workers' environment. */
export const CHECKPOINT_KEY_ENV = "SABOT_CHECKPOINT_KEY";
const MIN_KEY_BYTES = 16;
const PREFIX = "hmac-sha256:";
export const DIGEST_PATTERN = "^hmac-sha256:[0-9a-f]{64}$";

/** SABOT_CHECKPOINT_KEY as bytes; undefined when unset. A short key is refused, not used. */
export function checkpointKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Uint8Array | undefined {
  const value = env[CHECKPOINT_KEY_ENV];
  if (!value) return undefined;
  const key = Buffer.from(value, "utf8");
  if (key.byteLength < MIN_KEY_BYTES)
    throw new CheckpointConfigError(
      `${CHECKPOINT_KEY_ENV} has ${key.byteLength} bytes; use at least ${MIN_KEY_BYTES} random bytes (e.g. \`openssl rand -hex 32\`)`,
    );
  return key;
}

/**
 * The digest of a manifest without its own digest field. JSON.stringify of what JSON.parse read
 * back gives the writer's text again (same key order, same number forms), so no canonical form
 * beyond that is needed.
 */
function digestOf(manifest: Signable, key: Uint8Array): string {
  const { digest: _ignored, ...rest } = manifest;
  return PREFIX + createHmac("sha256", key).update(JSON.stringify(rest)).digest("hex");
}

/** The manifest with its digest when there is a key; unchanged (unsigned) without one. */
export function signManifest<T extends Signable>(manifest: T, key: Uint8Array | undefined): T {
  return key ? { ...manifest, digest: digestOf(manifest, key) } : manifest;
}

/**
 * Refuses a manifest whose digest does not match the key: changed after it was written, signed
 * with another job's key, or stripped of its digest. Without a key only unsigned manifests pass
 * (a signed one cannot be checked, and trusting it unchecked would make the key pointless).
 */
export function verifyManifest(manifest: Signable, key: Uint8Array | undefined, location: string): void {
  if (!key) {
    if (manifest.digest !== undefined)
      throw new CorruptCheckpointError(
        location,
        `the manifest is signed and ${CHECKPOINT_KEY_ENV} is not set: give the job the key it was written with`,
      );
    return;
  }
  if (manifest.digest === undefined)
    throw new CorruptCheckpointError(
      location,
      `the manifest has no digest but ${CHECKPOINT_KEY_ENV} is set: it was written without a key or its digest was removed; ` +
        "restore it only by running without the key, if you trust the storage",
    );
  const expected = Buffer.from(digestOf(manifest, key));
  const found = Buffer.from(manifest.digest);
  if (expected.byteLength !== found.byteLength || !timingSafeEqual(expected, found))
    throw new CorruptCheckpointError(
      location,
      `the manifest's digest does not match ${CHECKPOINT_KEY_ENV}: it was changed after it was written, or written with another key`,
    );
}
