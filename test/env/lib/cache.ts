import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Root of everything the test environment downloads or builds. It lives outside the repo so a
 * fresh clone (CI) reuses binaries built by an earlier run; override with SABOT_TESTENV_CACHE.
 */
export function cacheRoot(): string {
  return process.env.SABOT_TESTENV_CACHE ?? join(homedir(), ".cache", "sabot-testenv");
}

/** A directory under the cache root, created if missing. */
export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
