import { SpecError } from "../contract/spec/errors.js";
import { loadManifest, parseManifest, type StreamJobManifest } from "../contract/spec/manifest.js";
import { buildPlan } from "./build-plan.js";
import type { JobPlan } from "./plan.js";
import { pipelineSpecOf, sqlIssues } from "./sql/plan-sql.js";
import { sinkTypeIssues } from "./sql/sink-types.js";

/**
 * Everything that can be known about a manifest before running it: shape, names, columns and
 * expression types. A `spec.sql` job is compiled into the pipeline form first, so SQL and YAML
 * jobs have one planner. Throws SpecError listing every problem by path.
 */
export function planManifest(manifest: StreamJobManifest): JobPlan {
  const { spec, origins } = pipelineSpecOf(manifest.spec);
  let plan: JobPlan;
  try {
    plan = buildPlan(manifest.name, spec);
  } catch (err) {
    throw origins && err instanceof SpecError ? sqlIssues(err, origins) : err;
  }
  const sinkIssues = origins ? sinkTypeIssues(plan, origins) : [];
  if (sinkIssues.length > 0) throw new SpecError(sinkIssues);
  return plan;
}

export function planFile(file: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = loadManifest(file);
  return { manifest, plan: planManifest(manifest) };
}

export function planText(text: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = parseManifest(text);
  return { manifest, plan: planManifest(manifest) };
}
