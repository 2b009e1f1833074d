import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/**
 * A fresh temporary folder for each test of the file, removed after it; `set` receives it, so the
 * tests keep a plain variable: `let dir: string; tempDirEach("sabot-x-", (d) => (dir = d));`
 */
export function tempDirEach(prefix: string, set: (dir: string) => void): void {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    set(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
}
