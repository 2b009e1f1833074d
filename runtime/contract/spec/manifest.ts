import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { SpecError } from "./errors.js";
import type { StreamJobSpec } from "./schema.js";
import { checkSpecShape } from "./validate-shape.js";

export const API_GROUP = "sabot.dev";
export const API_VERSION = `${API_GROUP}/v1alpha1`;

export interface StreamJobManifest {
  name: string;
  namespace?: string;
  spec: StreamJobSpec;
}

/** Parses a StreamJob manifest (YAML or JSON text) and checks its shape. */
export function parseManifest(text: string, source = "manifest"): StreamJobManifest {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new SpecError([{ path: source, message: `not valid YAML: ${(err as Error).message}` }]);
  }
  const d = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: unknown };
  const issues = [];
  if (d.apiVersion !== API_VERSION) issues.push({ path: "apiVersion", message: `expected ${API_VERSION}` });
  if (d.kind !== "StreamJob") issues.push({ path: "kind", message: "expected StreamJob" });
  if (typeof d.metadata?.name !== "string" || d.metadata.name === "")
    issues.push({ path: "metadata.name", message: "required field is missing" });
  if (typeof d.spec !== "object" || d.spec === null) issues.push({ path: "spec", message: "required field is missing" });
  else issues.push(...checkSpecShape(d.spec));
  if (issues.length > 0) throw new SpecError(issues);
  return {
    name: d.metadata!.name as string,
    namespace: typeof d.metadata?.namespace === "string" ? d.metadata.namespace : undefined,
    spec: d.spec as StreamJobSpec,
  };
}

export function loadManifest(file: string): StreamJobManifest {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "it is a directory" : e.message;
    throw new SpecError([{ path: file, message: `cannot read the manifest: ${why}` }]);
  }
  return parseManifest(text, file);
}
