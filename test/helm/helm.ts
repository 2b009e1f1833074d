import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { KubernetesObject } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { cacheRoot } from "../env/lib/cache.js";
import { version } from "../env/lib/versions.js";

/** The chart, from the repository root (tests run there). */
export const CHART = "helm/sabot";

/** The helm CLI that test/env/build/helm.sh builds, or an error saying how to build it. */
export function helmBinary(): string {
  const bin = join(cacheRoot(), `helm-${version("HELM_VERSION")}`, "helm");
  if (!existsSync(bin))
    throw new Error(
      `helm is missing (${bin}): build it with \`bash test/env/build/helm.sh\` (or \`npm run env:build\`)`,
    );
  return bin;
}

/** Runs helm; on failure the error carries helm's own message (stderr), which the tests match. */
export async function helm(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(helmBinary(), args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(" ")} failed:\n${e.stderr ?? ""}${e.stdout ?? ""}`);
  }
}

/** `--set` arguments from a flat map of dotted keys (`--set-string` for strings, so "0.1" stays text). */
export function setArgs(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).flatMap(([k, v]) => [
    typeof v === "string" ? "--set-string" : "--set",
    `${k}=${String(v)}`,
  ]);
}

export interface Rendered {
  /** The YAML stream exactly as helm printed it. */
  text: string;
  objects: KubernetesObject[];
}

/** `helm template` of the chart with the CRDs, as `helm install` would apply it. */
export async function renderChart(
  release: string,
  namespace: string,
  values: Record<string, string | number | boolean> = {},
): Promise<Rendered> {
  const text = await helm("template", release, CHART, "--namespace", namespace, "--include-crds", ...setArgs(values));
  const objects = yaml.loadAll(text).filter((o): o is KubernetesObject => o !== null && typeof o === "object");
  return { text, objects };
}

/** The one object of a kind (and name, when given); fails the test with what was rendered instead. */
export function find<T extends KubernetesObject>(r: Rendered, kind: string, name?: string): T {
  const hits = r.objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (hits.length !== 1)
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ""}, got ${hits.length} among ${r.objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(", ")}`,
    );
  return hits[0] as T;
}
