import { Ajv, type ErrorObject } from "ajv";
import { checkBounds, shownKey } from "./bounds.js";
import {
  byteSizeProblem,
  durationProblem,
  isByteSize,
  isDuration,
  isSignedDuration,
  signedDurationProblem,
} from "./duration.js";
import type { SpecIssue } from "./errors.js";
import { joinIssues } from "./join-rules.js";
import { kafkaConnectionIssues } from "./kafka-connection-rules.js";
import { checkPodTemplates } from "./pod-template-rules.js";
import { type StreamJobSpec, StreamJobSpecSchema } from "./schema.js";

// verbose: errors carry the offending value, which the format and pattern messages quote.
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false, verbose: true });
ajv.addFormat("duration", isDuration);
ajv.addFormat("bytesize", isByteSize);
ajv.addFormat("signed-duration", isSignedDuration);
const validate = ajv.compile<StreamJobSpec>(StreamJobSpecSchema);

const NOT_A_NAME = "is not a valid name (a lower-case letter, then lower-case letters, digits, - and _; at most 63)";

/** "/pipeline/2/window/size" → "spec.pipeline[2].window.size" */
export function toSpecPath(pointer: string, root = "spec"): string {
  return pointer
    .split("/")
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part.replace(/~1/g, "/")}`), root);
}

const FORMAT_PROBLEMS: Record<string, (s: unknown) => string | null> = {
  duration: durationProblem,
  bytesize: byteSizeProblem,
  "signed-duration": signedDurationProblem,
};

function describe(e: ErrorObject): SpecIssue {
  const path = toSpecPath(e.instancePath);
  switch (e.keyword) {
    case "format":
      return {
        path,
        message: FORMAT_PROBLEMS[String(e.params.format)]?.(e.data) ?? "invalid",
      };
    case "additionalProperties": {
      const key = shownKey(String(e.params.additionalProperty));
      // A map of named things (sources, sinks): the key is a name, not a field.
      if (e.parentSchema?.patternProperties) return { path: `${path}.${key}`, message: `"${key}" ${NOT_A_NAME}` };
      return { path: `${path}.${key}`, message: "unknown field" };
    }
    case "required":
      return { path: `${path}.${e.params.missingProperty}`, message: "required field is missing" };
    case "enum":
      return { path, message: `expected one of ${(e.params.allowedValues as string[]).join(", ")}` };
    case "pattern":
      return { path, message: `"${shownKey(String(e.data))}" ${NOT_A_NAME}` };
    default:
      return { path, message: e.message ?? "invalid" };
  }
}

const ONE_OF = {
  source: ["kafka", "generator"],
  sink: ["kafka", "files", "console"],
  step: ["filter", "select", "keyBy", "window", "upsertAggregate", "join", "lookupJoin", "topN", "upsertTopN", "to"],
} as const;

function exactlyOne(obj: object, keys: readonly string[], path: string): SpecIssue[] {
  const present = keys.filter((k) => k in obj);
  if (present.length === 1) return [];
  // A window step carries its aggregate; `aggregate` alone is not an operation.
  const what = present.length === 0 ? "none" : present.join(" and ");
  return [{ path, message: `expected exactly one of ${keys.join(", ")}, found ${what}` }];
}

/** A job is either sources, pipeline and sinks, or sql (compiled into them by the planner). */
function jobForm(spec: StreamJobSpec): SpecIssue[] {
  const pipelineForm = (["sources", "pipeline", "sinks"] as const).filter((k) => spec[k] !== undefined);
  if (spec.sql !== undefined && pipelineForm.length > 0)
    return [
      {
        path: "spec.sql",
        message: `give either sql or sources, pipeline and sinks, not both (found ${pipelineForm.join(", ")})`,
      },
    ];
  if (spec.sql !== undefined) return [];
  return (["sources", "pipeline", "sinks"] as const)
    .filter((k) => spec[k] === undefined)
    .map((k) => ({ path: `spec.${k}`, message: "required field is missing" }));
}

/** Field-level checks of what a schema cannot express: one kind per source, sink and step. */
function checkKinds(spec: StreamJobSpec): SpecIssue[] {
  const issues: SpecIssue[] = jobForm(spec);
  for (const [name, s] of Object.entries(spec.sources ?? {}))
    issues.push(...exactlyOne(s, ONE_OF.source, `spec.sources.${name}`));
  for (const [name, s] of Object.entries(spec.sinks ?? {}))
    issues.push(...exactlyOne(s, ONE_OF.sink, `spec.sinks.${name}`));
  (spec.pipeline ?? []).forEach((step, i) => {
    issues.push(...exactlyOne(step, ONE_OF.step, `spec.pipeline[${i}]`));
    if (step.aggregate && !step.window)
      issues.push({ path: `spec.pipeline[${i}].aggregate`, message: "aggregate needs a window in the same step" });
    if (step.windowTime !== undefined && !step.window)
      issues.push({ path: `spec.pipeline[${i}].windowTime`, message: "windowTime needs a window in the same step" });
    if (step.join) issues.push(...joinIssues(step.join, `spec.pipeline[${i}].join`));
  });
  const a = spec.autoscaler;
  if (a?.minParallelism !== undefined && a.maxParallelism !== undefined && a.minParallelism > a.maxParallelism)
    issues.push({ path: "spec.autoscaler.minParallelism", message: "must be <= spec.autoscaler.maxParallelism" });
  if ((spec.parallelism ?? 1) > (spec.maxParallelism ?? 128))
    issues.push({ path: "spec.parallelism", message: "must be <= spec.maxParallelism (the number of key groups)" });
  issues.push(...checkPodTemplates(spec));
  issues.push(...kafkaConnectionIssues(spec));
  return issues;
}

/**
 * Checks the shape of a spec against the schema; returns every problem found. The bounds come
 * first: the schema check recurses, and a spec over them is refused before it is read further.
 */
export function checkSpecShape(spec: unknown): SpecIssue[] {
  const outOfBounds = checkBounds(spec);
  if (outOfBounds.length > 0) return outOfBounds;
  if (validate(spec)) return checkKinds(spec);
  return (validate.errors ?? []).map(describe);
}
