import { describe, expect, it } from "vitest";
import { SpecError, type SpecIssue } from "../../../../runtime/contract/spec/errors.js";
import { EXPRESSION_LIMITS, MANIFEST_LIMITS } from "../../../../runtime/contract/spec/limits.js";
import type { PipelineJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { buildPlan } from "../../../../runtime/planner/build-plan.js";
import { planText } from "../../../../runtime/planner/validate.js";
import { Rng } from "../../../helpers/random.js";
import {
  type HostileManifest,
  hostileText,
  manifestText,
  mutatedSpec,
  SPEC_CLASSES,
  TEXT_CLASSES,
  VALID_SPECS,
} from "./hostile-manifests.js";

/**
 * Malformed StreamJobs (hostile-manifests.ts), as YAML text through `sabot validate`'s path
 * (planText) and as spec objects through the operator's (checkSpecShape, then buildPlan): each
 * must be refused with a SpecError whose issues carry a path and a message, never another
 * exception (a crash) and never slowly (a hang), and must leave Object.prototype alone.
 * A small seeded generator rather than fast-check: the cases are built by class, not shrunk, the
 * seed and case number replay any failure, and the repository's other fuzz tests work this way.
 * SABOT_FUZZ_RUNS sets the number of cases (the default keeps the file near 10 s on the small CI
 * machine), SABOT_FUZZ_SEED the seed; SABOT_FUZZ_REPORT=1 prints what each class produced.
 */
const RUNS = Number(process.env.SABOT_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.SABOT_FUZZ_SEED ?? 18);
/** One case taking longer than this is a hang (generous: the CI machine is small and shared). */
const CASE_LIMIT_MS = Number(process.env.SABOT_FUZZ_CASE_MS ?? 3000);
/** The whole run's bound grows with SABOT_FUZZ_RUNS (the default stays far below it). */
const RUN_TIMEOUT_MS = Math.max(60_000, RUNS * 50);
const CLASSES = [...SPEC_CLASSES, ...TEXT_CLASSES];

type Outcome = { issues: SpecIssue[] } | { accepted: true } | { crash: unknown };

function validate(c: HostileManifest): Outcome {
  try {
    if (c.text !== undefined) planText(c.text);
    else {
      const issues = checkSpecShape(c.spec);
      if (issues.length > 0) return { issues };
      buildPlan("fuzz", c.spec as PipelineJobSpec);
    }
    return { accepted: true };
  } catch (err) {
    return err instanceof SpecError ? { issues: err.issues } : { crash: err };
  }
}

/** What is wrong with a refusal: no issue, an issue without path or message, or the wrong place. */
function refusalProblem(c: HostileManifest, issues: SpecIssue[]): string | null {
  if (issues.length === 0) return "a SpecError without issues";
  if (
    issues.some((i) => typeof i.path !== "string" || i.path === "" || typeof i.message !== "string" || i.message === "")
  )
    return `an issue without path or message: ${JSON.stringify(issues).slice(0, 200)}`;
  if (
    c.at === "spec" &&
    !issues.some((i) => i.path === "spec" || i.path.startsWith("spec.") || i.path.startsWith("spec["))
  )
    return `no issue under spec: ${issues[0].path}`;
  if (c.at === "manifest" && !issues.some((i) => i.path === "manifest"))
    return `not refused as a manifest: ${issues[0].path}`;
  return null;
}

interface ClassStats {
  runs: number;
  refused: number;
  slowestMs: number;
  sample: string;
}

function generate(rng: Rng, i: number): HostileManifest {
  const cls = CLASSES[i % CLASSES.length];
  return SPEC_CLASSES.includes(cls) ? mutatedSpec(rng, cls) : hostileText(rng, cls);
}

describe("manifest fuzz", () => {
  it("the valid specs the mutations start from pass, as text and as objects", () => {
    for (const spec of VALID_SPECS) {
      expect(validate({ cls: "valid", spec: structuredClone(spec), mustRefuse: false, at: "any" })).toEqual({
        accepted: true,
      });
      expect(validate({ cls: "valid", text: manifestText(spec), mustRefuse: false, at: "any" })).toEqual({
        accepted: true,
      });
    }
  });

  it("values at the limits pass", () => {
    const spec = structuredClone(VALID_SPECS[0]) as Record<string, unknown> & { pipeline: Record<string, unknown>[] };
    const d = EXPRESSION_LIMITS.maxDepth;
    spec.pipeline[0].filter = `${"(".repeat(d)}price > 1${")".repeat(d)}`;
    spec.checkpointing = { interval: "24d", storage: "file:///tmp/x", timeout: `${MANIFEST_LIMITS.maxDurationMs}ms` };
    spec.podTemplate = {
      metadata: {
        labels: { [`a${"b".repeat(MANIFEST_LIMITS.maxKeyChars - 1)}`]: "x".repeat(MANIFEST_LIMITS.maxStringChars) },
      },
    };
    spec.restartStrategy = { maxRestarts: Number.MAX_SAFE_INTEGER };
    expect(validate({ cls: "limits", text: manifestText(spec), mustRefuse: false, at: "any" })).toEqual({
      accepted: true,
    });
  });

  it(
    `${RUNS} malformed StreamJobs: each refused with a path and a message, none crashes, hangs or pollutes Object.prototype`,
    () => {
      const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
      const rng = new Rng(SEED);
      const stats = new Map<string, ClassStats>();
      const failures: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const c = generate(rng, i);
        const start = performance.now();
        const outcome = validate(c);
        const ms = performance.now() - start;
        const s = stats.get(c.cls) ?? { runs: 0, refused: 0, slowestMs: 0, sample: "" };
        stats.set(c.cls, s);
        s.runs++;
        s.slowestMs = Math.max(s.slowestMs, ms);
        const where = `seed ${SEED} case ${i} (${c.cls}, ${c.text === undefined ? "object" : "text"})`;
        if (ms > CASE_LIMIT_MS) failures.push(`${where}: hang, ${ms.toFixed(0)} ms`);
        if ("crash" in outcome) failures.push(`${where}: crash ${String(outcome.crash).slice(0, 300)}`);
        else if ("accepted" in outcome) {
          if (c.mustRefuse) failures.push(`${where}: accepted`);
        } else {
          s.refused++;
          s.sample ||= `${outcome.issues[0].path}: ${outcome.issues[0].message}`;
          const problem = refusalProblem(c, outcome.issues);
          if (problem) failures.push(`${where}: ${problem}`);
        }
      }
      if (process.env.SABOT_FUZZ_REPORT)
        for (const [cls, s] of stats)
          console.log(
            `${cls}: ${s.runs} cases, ${s.refused} refused, slowest ${s.slowestMs.toFixed(0)} ms; e.g. ${s.sample.slice(0, 200)}`,
          );
      expect(failures).toEqual([]);
      expect(stats.size).toBe(Math.min(RUNS, CLASSES.length));
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
    RUN_TIMEOUT_MS,
  );
});
