import { mkdtempSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { FileCheckpointStorage } from "../../../runtime/checkpoint/file-storage.js";
import { CheckpointConfigError, openCheckpointStorage } from "../../../runtime/checkpoint/index.js";
import { S3CheckpointStorage } from "../../../runtime/checkpoint/s3-storage.js";
import { checkpointStoreSuite } from "./checkpoint-suite.js";
import { storageSuite } from "./storage-suite.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "sabot-chk-"));

describe("checkpoints in a local folder (file://)", () => {
  storageSuite(() => new FileCheckpointStorage(tempDir()));
  checkpointStoreSuite(() => new FileCheckpointStorage(tempDir()));

  it("removes folders that deleting left empty, but never the root", async () => {
    const root = tempDir();
    const s = new FileCheckpointStorage(`${root}/`);
    await s.put("job/chk-1/state/op/0/kg-1.arrow", new Uint8Array(3));
    await s.put("job/chk-2/manifest.json", new Uint8Array(3));
    await s.delete(["job/chk-1/state/op/0/kg-1.arrow"]);
    expect(await readdir(join(root, "job"))).toEqual(["chk-2"]);
    await s.delete(["job/chk-2/manifest.json"]);
    expect(await readdir(root)).toEqual([]);
  });

  it("writes through a temporary file, so no partial object ever has its final name", async () => {
    const root = tempDir();
    const s = new FileCheckpointStorage(root);
    await s.put("job/chk-1/manifest.json", new Uint8Array(10));
    expect(await readdir(join(root, "job", "chk-1"))).toEqual(["manifest.json"]);
  });
});

describe("openCheckpointStorage", () => {
  it("opens file:// URLs as a local folder and s3:// URLs as a bucket and prefix", () => {
    const dir = tempDir();
    const local = openCheckpointStorage(pathToFileURL(dir).href);
    expect(local).toBeInstanceOf(FileCheckpointStorage);
    expect(local.describe("j/chk-1/manifest.json")).toBe(`file://${dir}/j/chk-1/manifest.json`);
    const s3 = openCheckpointStorage("s3://bucket/some/prefix/");
    expect(s3).toBeInstanceOf(S3CheckpointStorage);
    expect(s3.describe("j/chk-1/manifest.json")).toBe("s3://bucket/some/prefix/j/chk-1/manifest.json");
    expect(openCheckpointStorage("s3://bucket").describe("j/x")).toBe("s3://bucket/j/x");
  });

  it("refuses other schemes and relative file URLs, saying what to write", () => {
    expect(() => openCheckpointStorage("/tmp/checkpoints")).toThrow(CheckpointConfigError);
    expect(() => openCheckpointStorage("gs://bucket/x")).toThrow(
      /must be s3:\/\/bucket\/prefix or file:\/\/\/absolute\/path/,
    );
    expect(() => openCheckpointStorage("file://host/x")).toThrow(/file:\/\/\/absolute\/path/);
  });
});
