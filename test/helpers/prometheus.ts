import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { waitFor } from "../env/lib/wait.js";
import type { TestEnv } from "../env/types.js";

type PromEnv = Pick<TestEnv, "prometheus">;

/** One entry of a Prometheus file_sd targets file. */
interface TargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

/** One series of an instant query's answer. */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

interface PromResponse<T> {
  status: "success" | "error";
  data?: T;
  errorType?: string;
  error?: string;
}

type QueryData =
  | { resultType: "vector"; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: "scalar"; result: [number, string] }
  | { resultType: "matrix" | "string"; result: unknown };

interface TargetsData {
  activeTargets: { scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Serialises read-modify-write of the targets file between processes (a test run and a second
 * one sharing an `env:up` environment). mkdir is atomic; a lock older than `staleMs` was left by a
 * process that died holding it.
 */
async function withTargetsLock<T>(targetsFile: string, fn: () => T): Promise<T> {
  const lock = `${targetsFile}.lock`;
  const staleMs = 30_000;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`could not lock ${targetsFile} (held via ${lock})`);
      await sleep(10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Rewrites the targets file with `change` applied. Prometheus watches the file and could read a
 * half-written one, so the new content is written beside it and renamed over it, which is atomic.
 */
function rewriteTargets(targetsFile: string, change: (groups: TargetGroup[]) => TargetGroup[]): void {
  const groups = JSON.parse(readFileSync(targetsFile, "utf8")) as TargetGroup[];
  const tmp = `${targetsFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(change(groups), null, 2)}\n`);
  renameSync(tmp, targetsFile);
}

/**
 * Makes Prometheus scrape `target` (`host:port`, path /metrics) under job "sabot" with the given
 * extra labels. It is picked up within about a second, without a reload.
 */
export async function addScrapeTarget(env: PromEnv, target: string, labels?: Record<string, string>): Promise<void> {
  const group: TargetGroup = labels ? { targets: [target], labels } : { targets: [target] };
  await withTargetsLock(env.prometheus.targetsFile, () =>
    rewriteTargets(env.prometheus.targetsFile, (groups) => [...groups, group]),
  );
}

/** Stops scraping `target`, so a test's endpoint that has shut down does not linger as "down". */
export async function removeScrapeTarget(env: PromEnv, target: string): Promise<void> {
  await withTargetsLock(env.prometheus.targetsFile, () =>
    rewriteTargets(env.prometheus.targetsFile, (groups) =>
      groups.map((g) => ({ ...g, targets: g.targets.filter((t) => t !== target) })).filter((g) => g.targets.length > 0),
    ),
  );
}

async function promApi<T>(env: PromEnv, path: string): Promise<T> {
  const res = await fetch(`${env.prometheus.url}${path}`);
  const body = (await res.json()) as PromResponse<T>;
  if (body.status !== "success" || body.data === undefined) {
    throw new Error(`Prometheus ${path} failed (HTTP ${res.status}): ${body.errorType ?? ""} ${body.error ?? ""}`);
  }
  return body.data;
}

/**
 * Evaluates an instant PromQL query through Prometheus's HTTP API. A scalar answer comes back as
 * one sample without labels; range vectors are refused, since no caller needs them yet.
 */
export async function queryPrometheus(env: PromEnv, promql: string): Promise<PromSample[]> {
  const data = await promApi<QueryData>(env, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  switch (data.resultType) {
    case "vector":
      return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
    case "scalar":
      return [{ labels: {}, value: Number(data.result[1]) }];
    default:
      throw new Error(`query ${promql} returned a ${data.resultType}; only instant vectors and scalars are supported`);
  }
}

/** Health of every scrape target, for error messages that explain why a metric never appeared. */
async function describeTargets(env: PromEnv): Promise<string> {
  try {
    const { activeTargets } = await promApi<TargetsData>(env, "/api/v1/targets?state=active");
    if (activeTargets.length === 0) return "no active scrape targets (was addScrapeTarget called?)";
    return activeTargets.map((t) => `${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("\n");
  } catch (err) {
    return `could not list targets: ${(err as Error).message}`;
  }
}

/**
 * Polls `promql` until some series' value equals `expected` (or satisfies it, when a predicate),
 * and returns that value. Scrapes happen every second, so the default timeout covers target
 * discovery, the first scrape and a few retries on a slow machine.
 */
export async function waitForPromValue(
  env: PromEnv,
  promql: string,
  expected: number | ((value: number) => boolean),
  opts: { timeoutMs?: number } = {},
): Promise<number> {
  const matches = typeof expected === "number" ? (v: number) => v === expected : expected;
  let last: PromSample[] = [];
  try {
    return await waitFor(
      async () => {
        last = await queryPrometheus(env, promql);
        return last.find((s) => matches(s.value))?.value;
      },
      {
        what: `${promql} to reach ${typeof expected === "number" ? expected : "the expected value"}`,
        timeoutMs: opts.timeoutMs ?? 20_000,
      },
    );
  } catch (err) {
    const seen =
      last.length === 0 ? "no series" : last.map((s) => `${JSON.stringify(s.labels)} = ${s.value}`).join(", ");
    throw new Error(`${(err as Error).message}\nlast answer: ${seen}\nscrape targets:\n${await describeTargets(env)}`);
  }
}
