import { fileURLToPath } from "node:url";
import { loadManifest } from "../../runtime/contract/spec/manifest.js";
import type { JobPlan } from "../../runtime/planner/plan.js";
import { planManifest } from "../../runtime/planner/validate.js";

/** examples/nexmark/<query>.yaml sized to `events` (q8: a quarter persons, the rest auctions), 16K-row batches. */
export function nexmarkPlan(query: string, events: number): JobPlan {
  const manifest = loadManifest(fileURLToPath(new URL(`../../examples/nexmark/${query}.yaml`, import.meta.url)));
  const sources = manifest.spec.sources!;
  if (query === "q8") {
    sources.persons.generator!.count = Math.floor(events / 4);
    sources.auctions.generator!.count = events - Math.floor(events / 4);
  } else {
    sources.bids.generator!.count = events;
  }
  for (const s of Object.values(sources)) s.generator!.batchSize = 16_384;
  return planManifest(manifest);
}
