import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkDisposablePath,
  DisposeError,
  disposeCheckpointFiles,
} from "../../../operator/checkpoint/checkpoint-dispose.js";

describe("disposing checkpoint files", () => {
  it("accepts only checkpoint and savepoint folders, so a bad path cannot empty a bucket", () => {
    expect(() => checkDisposablePath("s3://bucket/state/orders/sp-12")).not.toThrow();
    expect(() => checkDisposablePath("file:///var/state/orders/chk-3/")).not.toThrow();
    for (const bad of [
      "s3://bucket",
      "s3://bucket/state",
      "s3://bucket/state/orders",
      "/tmp/orders/sp-1",
      "s3://bucket/sp-x",
    ])
      expect(() => checkDisposablePath(bad), bad).toThrow(DisposeError);
  });

  it("removes a local folder and nothing beside it, without reading any Secret", async () => {
    const root = mkdtempSync(join(tmpdir(), "dispose-"));
    try {
      const folder = join(root, "orders", "sp-4");
      mkdirSync(join(folder, "state"), { recursive: true });
      writeFileSync(join(folder, "manifest.json"), "{}");
      writeFileSync(join(folder, "state", "kg-0.arrow"), "x");
      mkdirSync(join(root, "orders", "sp-5"));
      const noSecret = () => Promise.reject(new Error("must not be read"));
      await disposeCheckpointFiles(pathToFileURL(folder).href, noSecret);
      expect(existsSync(folder)).toBe(false);
      expect(existsSync(join(root, "orders", "sp-5"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
