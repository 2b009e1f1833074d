import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointConfigError, openCheckpointStorage } from "../../../runtime/checkpoint/index.js";
import { CHECKPOINT_KEY_ENV, checkpointKeyFromEnv } from "../../../runtime/checkpoint/manifest-digest.js";

/** Where the manifest key comes from: SABOT_CHECKPOINT_KEY, read when checkpoint storage is opened. */
describe("SABOT_CHECKPOINT_KEY", () => {
  const saved = process.env[CHECKPOINT_KEY_ENV];
  const dirs: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env[CHECKPOINT_KEY_ENV];
    else process.env[CHECKPOINT_KEY_ENV] = saved;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("is no key when unset, the variable's bytes when set, and refused when shorter than 16 bytes", () => {
    expect(checkpointKeyFromEnv({})).toBeUndefined();
    expect(Buffer.from(checkpointKeyFromEnv({ [CHECKPOINT_KEY_ENV]: "0123456789abcdef" })!).toString()).toBe(
      "0123456789abcdef",
    );
    expect(() => checkpointKeyFromEnv({ [CHECKPOINT_KEY_ENV]: "short" })).toThrow(CheckpointConfigError);
    expect(() => checkpointKeyFromEnv({ [CHECKPOINT_KEY_ENV]: "short" })).toThrow(/openssl rand -hex 32/);
  });

  it("reaches the storage that openCheckpointStorage opens; a key passed in wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "sabot-key-"));
    dirs.push(dir);
    process.env[CHECKPOINT_KEY_ENV] = "from-the-environment-0123456789";
    const url = pathToFileURL(dir).href;
    expect(Buffer.from(openCheckpointStorage(url).manifestKey!).toString()).toBe("from-the-environment-0123456789");
    const passed = new TextEncoder().encode("passed-in-key-0123456789abcdef");
    expect(openCheckpointStorage(url, { manifestKey: passed }).manifestKey).toBe(passed);
    delete process.env[CHECKPOINT_KEY_ENV];
    expect(openCheckpointStorage(url).manifestKey).toBeUndefined();
  });
});
