import { loadManifest, parseManifest, type StreamJobManifest } from "../../runtime/contract/spec/manifest.js";
import { LocalJob, type LocalRunOptions, type RunSummary } from "../../runtime/engine/local-job.js";
import { planManifest } from "../../runtime/planner/validate.js";
import { CollectingSink, type Row } from "./collecting-sink.js";

export interface JobOutput {
  summary: RunSummary;
  /** Rows each sink received, by sink name. */
  rows: Record<string, Row[]>;
}

/**
 * Runs a manifest in-process with every sink replaced by a collecting one (or kept when listed
 * in `realSinks`), and returns what each sink received.
 */
export async function runJob(
  manifest: StreamJobManifest,
  opts: LocalRunOptions & { realSinks?: string[] } = {},
): Promise<JobOutput> {
  const plan = planManifest(manifest);
  const sinks: Record<string, CollectingSink> = {};
  for (const name of Object.keys(plan.spec.sinks))
    if (!opts.realSinks?.includes(name)) sinks[name] = new CollectingSink();
  const summary = await new LocalJob(plan, { ...opts, sinks }).run();
  return { summary, rows: Object.fromEntries(Object.entries(sinks).map(([n, s]) => [n, s.toRows()])) };
}

export function exampleManifest(path: string): StreamJobManifest {
  return loadManifest(new URL(`../../examples/${path}`, import.meta.url).pathname);
}

export { parseManifest };
