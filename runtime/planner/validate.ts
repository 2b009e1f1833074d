import { loadManifest, parseManifest, type StreamJobManifest } from "../contract/spec/manifest.js";
import type { JobPlan } from "./plan.js";
import { pipelineSpecOf, planPipeline } from "./sql/plan-sql.js";

/**
 * Everything that can be known about a manifest before running it: shape, names, columns and
 * expression types. A `spec.sql` job is compiled into the pipeline form first, so SQL and YAML
 * jobs have one planner. Throws SpecError listing every problem by path.
 */
export function planManifest(manifest: StreamJobManifest): JobPlan {
  const { spec, origins } = pipelineSpecOf(manifest.spec);
  return planPipeline(manifest.name, spec, origins);
}

export function planFile(file: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = loadManifest(file);
  return { manifest, plan: planManifest(manifest) };
}

export function planText(text: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = parseManifest(text);
  return { manifest, plan: planManifest(manifest) };
}
