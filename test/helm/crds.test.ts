import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CRD_DIRS, CRD_FILES } from "../../operator/crd/write-crds.js";

/** `npm run crds` writes the same files into crds/ and the chart; nobody edits one copy by hand. */
describe("the Helm chart's CRDs", () => {
  it("are written by `npm run crds` into helm/sabot/crds", () => {
    expect(CRD_DIRS).toContain("helm/sabot/crds");
  });

  it.each(CRD_FILES.map((f) => f.file))("helm/sabot/crds/%s is identical to crds/%s (run `npm run crds`)", (file) => {
    const chart = readFileSync(new URL(`../../helm/sabot/crds/${file}`, import.meta.url), "utf8");
    expect(chart).toBe(readFileSync(new URL(`../../crds/${file}`, import.meta.url), "utf8"));
  });

  it("holds no other file", () => {
    expect(readdirSync(new URL("../../helm/sabot/crds/", import.meta.url)).sort()).toEqual(
      CRD_FILES.map((f) => f.file).sort(),
    );
  });
});
