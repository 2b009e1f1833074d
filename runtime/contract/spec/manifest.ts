import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { SpecError } from "./errors.js";
import { resolveKafkaConnections } from "./kafka-connection-rules.js";
import { MANIFEST_LIMITS } from "./limits.js";
import type { StreamJobSpec } from "./schema.js";
import { checkSpecShape } from "./validate-shape.js";

export const API_GROUP = "sabot.dev";
export const API_VERSION = `${API_GROUP}/v1alpha1`;

export interface StreamJobManifest {
  name: string;
  namespace?: string;
  spec: StreamJobSpec;
}

/** js-yaml 4.3's load options and its exported types, which @types/js-yaml 4.0.9 predates. */
interface JsYaml43 {
  types: { merge: yaml.Type };
}
type LoadOptions = yaml.LoadOptions & { maxDepth: number };

/**
 * YAML as kubectl reads it: the core schema (timestamps stay strings, no !!binary or !!set) with
 * merge keys (`<<: *defaults`).
 */
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as JsYaml43).types.merge] });

/** Parses YAML text within MANIFEST_LIMITS; a SpecError at `source` when it cannot. */
function loadYaml(text: string, source: string): unknown {
  if (text.length > MANIFEST_LIMITS.maxChars)
    throw new SpecError([
      {
        path: source,
        message: `the manifest has ${text.length} characters; the limit is ${MANIFEST_LIMITS.maxChars} (1 MiB)`,
      },
    ]);
  try {
    // Twice the spec's bound, so a document a little too deep is refused with a spec path by checkSpecShape.
    const options: LoadOptions = { schema: SCHEMA, maxDepth: 2 * MANIFEST_LIMITS.maxDepth };
    return yaml.load(text, options);
  } catch (err) {
    const why = err instanceof RangeError ? `nested too deeply (${err.message})` : (err as Error).message;
    throw new SpecError([{ path: source, message: `not valid YAML: ${why}` }]);
  }
}

/** Parses a StreamJob manifest (YAML or JSON text) and checks its shape. */
export function parseManifest(text: string, source = "manifest"): StreamJobManifest {
  const doc = loadYaml(text, source);
  const d = (doc ?? {}) as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
    spec?: unknown;
  };
  const issues = [];
  if (d.apiVersion !== API_VERSION) issues.push({ path: "apiVersion", message: `expected ${API_VERSION}` });
  if (d.kind !== "StreamJob") issues.push({ path: "kind", message: "expected StreamJob" });
  if (typeof d.metadata?.name !== "string" || d.metadata.name === "")
    issues.push({ path: "metadata.name", message: "required field is missing" });
  else if (d.metadata.name.length > MANIFEST_LIMITS.maxKeyChars)
    issues.push({
      path: "metadata.name",
      message: `a name of ${d.metadata.name.length} characters; Kubernetes allows ${MANIFEST_LIMITS.maxKeyChars}`,
    });
  if (typeof d.spec !== "object" || d.spec === null)
    issues.push({ path: "spec", message: "required field is missing" });
  else issues.push(...checkSpecShape(d.spec));
  if (issues.length > 0) throw new SpecError(issues);
  return {
    name: d.metadata!.name as string,
    namespace: typeof d.metadata?.namespace === "string" ? d.metadata.namespace : undefined,
    // Kafka sources and sinks carry their connection's brokers and security from here on.
    spec: resolveKafkaConnections(d.spec as StreamJobSpec),
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
