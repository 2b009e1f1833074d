import { parseDuration } from "../../../runtime/contract/spec/duration.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJob } from "../job.js";
import { runtimeSpec } from "../resources/configmap.js";
import type { LifecycleTiming, StateContext } from "./types.js";

export type UpgradeMode = "savepoint" | "last-state" | "stateless";

/** JSON with sorted keys, so equal specs always compare (and show in status) the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export const specJson = (spec: StreamJobSpec): string => canonicalJson(spec);

export function parseSpec(json: string | undefined): StreamJobSpec | undefined {
  return json ? (JSON.parse(json) as StreamJobSpec) : undefined;
}

/** The spec the pods run now (status.lastReconciledSpec). */
export function deployedSpec(job: StreamJob): StreamJobSpec | undefined {
  return parseSpec(job.status?.lastReconciledSpec);
}

/** The job as its children are built: the deployed spec, not (yet) the desired one. */
export function deployedJob(job: StreamJob): StreamJob {
  const spec = deployedSpec(job);
  return spec ? { ...job, spec } : job;
}

export const hasStorage = (spec: StreamJobSpec): boolean => Boolean(spec.checkpointing?.storage);

/** spec.upgradeMode, else savepoint where savepoints are possible (storage set) and stateless where not. */
export function upgradeModeOf(spec: StreamJobSpec): UpgradeMode {
  return spec.upgradeMode ?? (hasStorage(spec) ? "savepoint" : "stateless");
}

export function timingFor(spec: StreamJobSpec, defaults: LifecycleTiming): LifecycleTiming {
  return {
    ...defaults,
    ...(spec.upgradeTimeout ? { upgradeTimeoutMs: parseDuration(spec.upgradeTimeout) } : {}),
    ...(spec.savepointTimeout ? { savepointTimeoutMs: parseDuration(spec.savepointTimeout) } : {}),
  };
}

export type Change =
  | { kind: "none" }
  /** Only fields the operator reads changed (configmap.ts OPERATOR_ONLY_FIELDS): recorded, the pods keep running. */
  | { kind: "settings" }
  | { kind: "suspend" }
  /** path: spec.restoreFrom when it changed with the resume. */
  | { kind: "resume"; path?: string }
  /** spec.restoreFrom set or changed: redeploy restoring exactly that folder. */
  | { kind: "restore"; path: string }
  | { kind: "upgrade" };

/** How the desired spec differs from the deployed one. */
export function changeOf(job: StreamJob): Change {
  const json = job.status?.lastReconciledSpec;
  const desired = job.spec;
  // The usual case, decided without parsing the deployed spec: status holds it as specJson wrote it.
  if (!json || json === specJson(desired)) return { kind: "none" };
  const deployed = parseSpec(json)!;
  if (specJson(deployed) === specJson(desired)) return { kind: "none" };
  const suspended = (s: StreamJobSpec) => s.state === "suspended";
  if (suspended(desired) && !suspended(deployed)) return { kind: "suspend" };
  const newPath = desired.restoreFrom && desired.restoreFrom !== deployed.restoreFrom ? desired.restoreFrom : undefined;
  if (!suspended(desired) && suspended(deployed))
    return newPath ? { kind: "resume", path: newPath } : { kind: "resume" };
  if (newPath) return { kind: "restore", path: newPath };
  if (canonicalJson(runtimeSpec(desired)) === canonicalJson(runtimeSpec(deployed))) return { kind: "settings" };
  return { kind: "upgrade" };
}

/** An upgrade of this generation already failed: not retried until the spec changes again. */
export function blockedFailure(ctx: StateContext) {
  const f = ctx.job.status?.lastUpgradeFailure;
  return f && f.generation === (ctx.job.metadata.generation ?? 0) ? f : undefined;
}

export const generationOf = (job: StreamJob): number => job.metadata.generation ?? 0;

export function elapsedMs(since: string | undefined, now: Date): number {
  return since ? now.getTime() - Date.parse(since) : 0;
}

export function describeMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
