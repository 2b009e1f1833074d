import { describe, expect, it } from "vitest";
import { checkBounds } from "../../../../runtime/contract/spec/bounds.js";
import { SpecError, type SpecIssue } from "../../../../runtime/contract/spec/errors.js";
import { MANIFEST_LIMITS } from "../../../../runtime/contract/spec/limits.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { planText } from "../../../../runtime/planner/validate.js";

const minimal = {
  sources: { bids: { generator: { kind: "nexmark-bid" } } },
  pipeline: [{ from: "bids", to: "out" }],
  sinks: { out: { console: {} } },
};

const head = "apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: t}\n";

/** The issues of the SpecError that f must throw. */
function issuesOf(f: () => unknown): SpecIssue[] {
  let thrown: unknown;
  try {
    f();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SpecError);
  return (thrown as SpecError).issues;
}

/** The fixes the manifest fuzz test (fuzz.test.ts) led to, each pinned by one example. */
describe("manifest bounds", () => {
  it("refuses a source or sink name that is not a name, whatever its value, instead of skipping it or crashing", () => {
    const spec = {
      ...minimal,
      sources: { ...minimal.sources, "Bad Name": { generator: { kind: "nexmark-bid" } }, "a.b": "x" },
    };
    const issues = checkSpecShape(spec);
    expect(issues.map((i) => i.path).sort()).toEqual(["spec.sources.Bad Name", "spec.sources.a.b"]);
    expect(issues[0].message).toMatch(/is not a valid name/);
  });

  it("refuses a duration a Node.js timer cannot hold and a size over 1024GiB, saying the limit", () => {
    const spec = {
      ...minimal,
      checkpointing: { interval: "25d" },
      sinks: { out: { files: { path: "/tmp/x", rollSize: "2048GiB" } } },
    };
    expect(checkSpecShape(spec)).toEqual([
      { path: "spec.sinks.out.files.rollSize", message: "2048GiB is too large: a size is at most 1024GiB" },
      { path: "spec.checkpointing.interval", message: "25d is too long: a duration is at most 24d (2147483647 ms)" },
    ]);
    expect(checkSpecShape({ ...minimal, checkpointing: { interval: "24d" } })).toEqual([]);
  });

  it("refuses non-finite and inexact numbers anywhere under spec", () => {
    expect(checkBounds({ parallelism: Number.NaN, seed: 2 ** 60, x: [Infinity] })).toEqual([
      { path: "spec.parallelism", message: "expected a finite number, got NaN" },
      {
        path: "spec.seed",
        message: `${2 ** 60} is out of range: integers are exact only within ±9007199254740991 (2^53 − 1)`,
      },
      { path: "spec.x[0]", message: "expected a finite number, got Infinity" },
    ]);
  });

  it("refuses an alias bomb by counting aliased values each time they are reached", () => {
    const levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      levels.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    const text = `${head}spec:\n  podTemplate:\n    spec:\n      affinity:\n${levels.map((l) => `        ${l}`).join("\n")}\n`;
    const start = performance.now();
    expect(issuesOf(() => parseManifest(text))).toEqual([
      {
        path: "spec",
        message: `holds more than ${MANIFEST_LIMITS.maxValues} values (a YAML alias counts each time it is used); write a smaller manifest`,
      },
    ]);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("refuses text over 1 MiB and YAML nested beyond twice the spec's depth before building it", () => {
    expect(issuesOf(() => parseManifest(`${head}#${"x".repeat(MANIFEST_LIMITS.maxChars)}`, "job.yaml"))).toEqual([
      {
        path: "job.yaml",
        message: `the manifest has ${MANIFEST_LIMITS.maxChars + head.length + 1} characters; the limit is ${MANIFEST_LIMITS.maxChars} (1 MiB)`,
      },
    ]);
    const deep = issuesOf(() => parseManifest(`${head}spec: ${"[".repeat(100_000)}${"]".repeat(100_000)}`));
    expect(deep).toHaveLength(1);
    expect(deep[0].message).toMatch(/^not valid YAML: nesting exceeded maxDepth \(128\)/);
  });

  it("reads YAML as kubectl does: timestamps stay strings, merge keys work", () => {
    const text = `${head}spec:\n  sources: {bids: {generator: {kind: nexmark-bid}}}\n  pipeline: [{from: bids, to: out}]\n  sinks: {out: {console: {}}}\n  image: 2001-12-14\n  worker: {podTemplate: {metadata: {labels: &l {team: a}}}}\n  coordinator: {podTemplate: {metadata: {labels: {<<: *l, role: c}}}}\n`;
    const { spec } = parseManifest(text);
    expect(spec.image).toBe("2001-12-14");
    expect(spec.coordinator?.podTemplate?.metadata?.labels).toEqual({ team: "a", role: "c" });
  });

  it("a step writing to `constructor` names an unknown sink, not Object.prototype's", () => {
    const text = `${head}spec:\n  sources: {bids: {generator: {kind: nexmark-bid}}}\n  pipeline: [{from: bids, to: constructor}]\n  sinks: {out: {console: {}}}\n`;
    expect(issuesOf(() => planText(text))).toEqual([
      { path: "spec.pipeline[0].to", message: 'unknown sink "constructor" (sinks: out)' },
    ]);
  });
});
