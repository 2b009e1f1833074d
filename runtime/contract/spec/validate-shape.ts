import { Ajv, type ErrorObject } from "ajv";
import { isByteSize, isDuration } from "./duration.js";
import type { SpecIssue } from "./errors.js";
import { checkPodTemplates } from "./pod-template-rules.js";
import { type StreamJobSpec, StreamJobSpecSchema } from "./schema.js";

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
ajv.addFormat("duration", isDuration);
ajv.addFormat("bytesize", isByteSize);
const validate = ajv.compile<StreamJobSpec>(StreamJobSpecSchema);

/** "/pipeline/2/window/size" → "spec.pipeline[2].window.size" */
export function toSpecPath(pointer: string, root = "spec"): string {
  return pointer
    .split("/")
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part.replace(/~1/g, "/")}`), root);
}

function describe(e: ErrorObject): SpecIssue {
  const path = toSpecPath(e.instancePath);
  switch (e.keyword) {
    case "format":
      return {
        path,
        message: e.params.format === "duration" ? "expected a duration like 30s" : "expected a size like 64MiB",
      };
    case "additionalProperties":
      return { path: `${path}.${e.params.additionalProperty}`, message: "unknown field" };
    case "required":
      return { path: `${path}.${e.params.missingProperty}`, message: "required field is missing" };
    case "enum":
      return { path, message: `expected one of ${(e.params.allowedValues as string[]).join(", ")}` };
    case "pattern":
      return { path, message: `"${String(e.data)}" is not a valid name (lower-case letters, digits, - and _)` };
    default:
      return { path, message: e.message ?? "invalid" };
  }
}

const ONE_OF = {
  source: ["kafka", "generator"],
  sink: ["kafka", "files", "console"],
  step: ["filter", "select", "keyBy", "window", "join", "lookupJoin", "to"],
} as const;

function exactlyOne(obj: object, keys: readonly string[], path: string): SpecIssue[] {
  const present = keys.filter((k) => k in obj);
  if (present.length === 1) return [];
  // A window step carries its aggregate; `aggregate` alone is not an operation.
  const what = present.length === 0 ? "none" : present.join(" and ");
  return [{ path, message: `expected exactly one of ${keys.join(", ")}, found ${what}` }];
}

/** Field-level checks of what a schema cannot express: one kind per source, sink and step. */
function checkKinds(spec: StreamJobSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const [name, s] of Object.entries(spec.sources)) issues.push(...exactlyOne(s, ONE_OF.source, `spec.sources.${name}`));
  for (const [name, s] of Object.entries(spec.sinks)) issues.push(...exactlyOne(s, ONE_OF.sink, `spec.sinks.${name}`));
  spec.pipeline.forEach((step, i) => {
    issues.push(...exactlyOne(step, ONE_OF.step, `spec.pipeline[${i}]`));
    if (step.aggregate && !step.window)
      issues.push({ path: `spec.pipeline[${i}].aggregate`, message: "aggregate needs a window in the same step" });
  });
  const a = spec.autoscaler;
  if (a?.minParallelism !== undefined && a.maxParallelism !== undefined && a.minParallelism > a.maxParallelism)
    issues.push({ path: "spec.autoscaler.minParallelism", message: "must be <= spec.autoscaler.maxParallelism" });
  if ((spec.parallelism ?? 1) > (spec.maxParallelism ?? 128))
    issues.push({ path: "spec.parallelism", message: "must be <= spec.maxParallelism (the number of key groups)" });
  issues.push(...checkPodTemplates(spec));
  return issues;
}

/** Checks the shape of a spec against the schema; returns every problem found. */
export function checkSpecShape(spec: unknown): SpecIssue[] {
  if (validate(spec)) return checkKinds(spec);
  return (validate.errors ?? []).map(describe);
}
