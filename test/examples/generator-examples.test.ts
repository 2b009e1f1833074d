import { describe, expect, it } from "vitest";
import { exampleManifest, runJob } from "../helpers/run-job.js";

describe("examples that need nothing installed", () => {
  it("quickstart counts bids per auction in 10 s windows", async () => {
    const { rows, summary } = await runJob(exampleManifest("quickstart.yaml"));
    expect(summary.recordsIn).toBe(200_000);
    expect(rows.out.length).toBeGreaterThan(0);
    for (const r of rows.out) {
      expect(Object.keys(r)).toEqual(["auction", "window_start", "window_end", "bids", "top_price", "avg_price"]);
      expect(r.bids as number).toBeGreaterThanOrEqual(50);
      expect((r.window_end as number) - (r.window_start as number)).toBe(10_000);
    }
  });

  it("fraud detection flags payment bursts and large payments from several countries", async () => {
    const { rows } = await runJob(exampleManifest("fraud-detection.yaml"));
    const patterns = new Set(rows.alerts.map((r) => r.pattern));
    expect(patterns).toEqual(new Set(["burst", "large-foreign"]));
    for (const r of rows.alerts) if (r.pattern === "burst") expect(r.payments as number).toBeGreaterThanOrEqual(20);
  });

  for (const q of ["q0", "q1", "q2", "q7", "q8"]) {
    it(`nexmark ${q} runs to completion with output`, async () => {
      const m = exampleManifest(`nexmark/${q}.yaml`);
      for (const s of Object.values(m.spec.sources!)) s.generator!.count = Math.min(s.generator!.count ?? 0, 50_000);
      const { rows } = await runJob(m);
      expect(rows.out.length).toBeGreaterThan(0);
    });
  }
});
