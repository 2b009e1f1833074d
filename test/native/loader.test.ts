import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kernelChoice } from "../../runtime/kernels/native.js";
import { chooseKernels, defaultAddonPath } from "../../runtime/kernels/native-loader.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";

/**
 * The loader: native when the addon loads, TypeScript otherwise, and a missing or broken addon
 * never stops the engine — it says why.
 */
const built = chooseKernels({ env: {} }).impl === "native";

describe("native kernel loader", () => {
  it("falls back to TypeScript when the addon file is missing, naming the file and the fix", () => {
    const c = chooseKernels({ env: { SABOT_NATIVE: "1" }, path: "/nonexistent/sabot_native.node" });
    expect(c.impl).toBe("typescript");
    expect(c.addon).toBeNull();
    expect(c.reason).toMatch(/\/nonexistent\/sabot_native\.node does not exist.*npm run build:native/);
  });

  it("falls back to TypeScript when the addon file is not a loadable library", () => {
    const dir = mkdtempSync(join(tmpdir(), "sabot-native-"));
    const path = join(dir, "sabot_native.node");
    writeFileSync(path, "not an ELF file");
    const c = chooseKernels({ env: {}, path });
    expect(c.impl).toBe("typescript");
    expect(c.reason).toContain("native kernels unavailable");
    expect(c.reason).toContain(path);
  });

  it("refuses an addon built for another ABI (stale build), saying to rebuild", () => {
    const path = fileURLToPath(new URL("./fixtures/stale-addon.cjs", import.meta.url));
    const c = chooseKernels({ env: {}, path });
    expect(c.impl).toBe("typescript");
    expect(c.reason).toMatch(/has ABI 0, this engine needs 1 \(rebuild with `npm run build:native`\)/);
  });

  it("SABOT_NATIVE_PATH points the loader at another file", () => {
    const c = chooseKernels({ env: { SABOT_NATIVE_PATH: "/bogus/x.node" } });
    expect(c.path).toBe("/bogus/x.node");
    expect(c.impl).toBe("typescript");
  });

  it("SABOT_NATIVE=0 picks TypeScript even when the addon is built", () => {
    const c = chooseKernels({ env: { SABOT_NATIVE: "0" } });
    expect(c).toMatchObject({ impl: "typescript", addon: null, reason: "SABOT_NATIVE=0" });
  });

  it("rejects other SABOT_NATIVE values with a message saying what is allowed", () => {
    expect(chooseKernels({ env: { SABOT_NATIVE: "yes" } }).reason).toMatch(/SABOT_NATIVE must be 0 or 1, got "yes"/);
  });

  it.skipIf(!built)("picks native when the addon is built and loadable", () => {
    const c = chooseKernels({ env: {} });
    expect(c.impl).toBe("native");
    expect(c.path).toBe(defaultAddonPath());
    expect(c.addon?.abi).toBe(1);
  });

  it("exports the choice as sabot_kernels_info{impl}", async () => {
    const text = await new EngineMetrics().registry.metrics();
    expect(text).toContain(`sabot_kernels_info{impl="${kernelChoice.impl}"} 1`);
  });

  it("a job whose addon is broken still runs on TypeScript kernels and logs why at start", () => {
    const script = fileURLToPath(new URL("./fixtures/hash-job.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--import", "tsx", script], {
      env: {
        ...process.env,
        SABOT_NATIVE: "1",
        SABOT_NATIVE_PATH: "/bogus/sabot_native.node",
        SABOT_LOG_LEVEL: "info",
      },
      encoding: "utf8",
    });
    const lines = out.trim().split("\n");
    const logs = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = logs.filter((l) => String(l.msg).startsWith("kernels:"));
    expect(start).toHaveLength(1); // logged once
    expect(start[0]).toMatchObject({ level: 50, kernels: "typescript", addon: "/bogus/sabot_native.node" });
    expect(String(start[0].reason)).toContain("does not exist");
    // pino writes asynchronously: its line may come before or after the job's own output.
    expect(lines.filter((l) => !l.startsWith("{"))).toEqual(["hashed 1000 rows with typescript kernels"]);
  });
});
