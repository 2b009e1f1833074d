import { loadManifest, parseManifest, type StreamJobManifest } from "../contract/spec/manifest.js";
import { buildPlan } from "./build-plan.js";
import type { JobPlan } from "./plan.js";

/**
 * Everything that can be known about a manifest before running it: shape, names, columns and
 * expression types. Throws SpecError listing every problem by path.
 */
export function planManifest(manifest: StreamJobManifest): JobPlan {
  return buildPlan(manifest.name, manifest.spec);
}

export function planFile(file: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = loadManifest(file);
  return { manifest, plan: planManifest(manifest) };
}

export function planText(text: string): { manifest: StreamJobManifest; plan: JobPlan } {
  const manifest = parseManifest(text);
  return { manifest, plan: planManifest(manifest) };
}
