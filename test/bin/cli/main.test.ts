import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const sabot = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/sabot.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, SABOT_LOG_LEVEL: "info" },
  });

describe("sabot CLI", () => {
  it("prints help without loading the engine (no kernel log line)", () => {
    const r = sabot("--help");
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith("Usage: sabot")).toBe(true);
    expect(r.stdout + r.stderr).not.toContain("kernels:");
  });

  it("says which manifest it cannot read, and exits 2, instead of a stack trace", () => {
    const r = sabot("run", "/nonexistent/job.yaml");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("/nonexistent/job.yaml: cannot read the manifest: no such file");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
