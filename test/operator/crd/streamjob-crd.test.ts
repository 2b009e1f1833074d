import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderCrd } from "../../../operator/crd/write-crds.js";

describe("StreamJob CRD", () => {
  it("committed crds/streamjob.yaml matches the engine's spec schema (run `npm run crds` to update)", () => {
    const committed = readFileSync(new URL("../../../crds/streamjob.yaml", import.meta.url), "utf8");
    expect(committed).toBe(renderCrd());
  });

  it("has no JSON-Schema-only keywords Kubernetes rejects", () => {
    const text = renderCrd();
    for (const word of ["patternProperties", "$id", "additionalProperties: false", "format: duration"])
      expect(text).not.toContain(word);
  });
});
