import type { TestEnv } from "../env/types.js";
import { addScrapeTarget, removeScrapeTarget } from "./prometheus.js";

export interface ScrapeSync {
  /** Stops following and removes every target it added. */
  stop(): Promise<void>;
}

/**
 * Keeps Prometheus scraping exactly the targets `current()` names (e.g. a PodRunner's worker
 * processes, which change as pods are replaced), checking every `intervalMs`.
 */
export function followScrapeTargets(
  env: Pick<TestEnv, "prometheus">,
  current: () => string[],
  intervalMs = 500,
): ScrapeSync {
  const scraped = new Set<string>();
  const timer = setInterval(() => {
    const now = new Set(current());
    const added = [...now].filter((t) => !scraped.has(t));
    const gone = [...scraped].filter((t) => !now.has(t));
    for (const t of added) scraped.add(t);
    for (const t of gone) scraped.delete(t);
    void Promise.all([
      ...added.map((t) => addScrapeTarget(env, t)),
      ...gone.map((t) => removeScrapeTarget(env, t)),
    ]).catch(() => undefined);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      for (const t of scraped) await removeScrapeTarget(env, t);
      scraped.clear();
    },
  };
}
