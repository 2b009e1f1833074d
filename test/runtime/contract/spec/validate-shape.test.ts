import { describe, expect, it } from "vitest";
import { SpecError } from "../../../../runtime/contract/spec/errors.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { checkSpecShape, toSpecPath } from "../../../../runtime/contract/spec/validate-shape.js";

const minimal = {
  sources: { bids: { generator: { kind: "nexmark-bid" } } },
  pipeline: [{ from: "bids", to: "out" }],
  sinks: { out: { console: {} } },
};

describe("spec shape", () => {
  it("accepts a minimal spec", () => {
    expect(checkSpecShape(minimal)).toEqual([]);
  });

  it("names the path of a malformed duration", () => {
    const spec = {
      ...minimal,
      pipeline: [
        { from: "bids" },
        { keyBy: ["auction"] },
        { window: { type: "tumbling", size: "ten" }, aggregate: ["count(*)"] },
      ],
    };
    expect(checkSpecShape(spec)).toContainEqual({
      path: "spec.pipeline[2].window.size",
      message: "expected a duration like 30s",
    });
  });

  it("lists every problem, not only the first", () => {
    const spec = {
      sources: { bids: { generator: { kind: "nexmark-bidz" }, kafka: undefined } },
      pipeline: [{ from: "bids", filter: "x > 1", to: "out" }],
      sinks: { out: { console: {}, files: { path: "/tmp" } } },
      parallelism: 0,
    };
    const issues = checkSpecShape(JSON.parse(JSON.stringify(spec)));
    const paths = issues.map((i) => i.path);
    expect(paths).toContain("spec.sources.bids.generator.kind");
    expect(paths).toContain("spec.parallelism");
  });

  it("requires exactly one operation per step", () => {
    const spec = { ...minimal, pipeline: [{ from: "bids", filter: "price > 1", to: "out" }] };
    expect(checkSpecShape(spec)).toContainEqual({
      path: "spec.pipeline[0]",
      message:
        "expected exactly one of filter, select, keyBy, window, upsertAggregate, join, lookupJoin, topN, upsertTopN, to, found filter and to",
    });
  });

  it("reports unknown fields by name", () => {
    const spec = { ...minimal, paralelism: 2 };
    expect(checkSpecShape(spec)).toContainEqual({ path: "spec.paralelism", message: "unknown field" });
  });

  it("turns JSON pointers into spec paths", () => {
    expect(toSpecPath("/pipeline/2/window/size")).toBe("spec.pipeline[2].window.size");
  });
});

describe("manifest", () => {
  it("rejects a manifest of another kind with the field to fix", () => {
    const text = "apiVersion: sabot.dev/v1alpha1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n";
    expect(() => parseManifest(text)).toThrow(SpecError);
    try {
      parseManifest(text);
    } catch (err) {
      expect((err as SpecError).issues.map((i) => i.path)).toContain("kind");
    }
  });
});
