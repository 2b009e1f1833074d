import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../../../runtime/engine/collector-tuning.ts", import.meta.url));

/**
 * Full collections while a process allocates and drops 1 GiB of ArrayBuffers in 1 MiB pieces,
 * with a small live JavaScript heap: what a job reading Kafka does, minus the job.
 */
function majorCollections(env: NodeJS.ProcessEnv): number {
  const script = `
    import { PerformanceObserver, constants } from "node:perf_hooks";
    const { tuneCollectorForJobs } = await import(${JSON.stringify(MODULE)});
    tuneCollectorForJobs();
    let major = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
    }).observe({ entryTypes: ["gc"] });
    const keep = [];
    for (let i = 0; i < 1024; i++) {
      keep.push(new Uint8Array(1 << 20).fill(i));
      if (keep.length > 8) keep.shift();
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 50));
    console.log(major);
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return Number(out.trim().split("\n").at(-1));
}

describe("tuneCollectorForJobs", () => {
  it("stops ArrayBuffer churn from starting a full collection every 64 MiB", () => {
    const defaults = majorCollections({ SABOT_V8_DEFAULT_GC: "1" });
    const tuned = majorCollections({});
    // V8's default: a full collection every 64 to 150 MiB of external memory (here 7 to 10).
    expect(defaults).toBeGreaterThanOrEqual(4);
    expect(tuned).toBeLessThan(defaults / 2);
  }, 30_000);
});
