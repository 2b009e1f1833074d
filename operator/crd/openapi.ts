/**
 * Converts the engine's JSON Schema (TypeBox) into the OpenAPI v3 subset Kubernetes accepts in a
 * structural CRD schema: no patternProperties (maps become additionalProperties), no
 * `additionalProperties: false` (the API server prunes unknown fields instead), draft-7
 * exclusiveMinimum turned into the OpenAPI 3.0 form, and Sabot's custom formats as patterns.
 */

export type JsonSchema = { [key: string]: unknown };

const FORMAT_PATTERNS: Record<string, string> = {
  duration: "^[0-9]+(ms|s|m|h|d)$",
  bytesize: "^[0-9]+(B|KiB|MiB|GiB)$",
  "signed-duration": "^-?[0-9]+(ms|s|m|h|d)$",
};

const DROP = new Set(["$id", "$schema", "[Kind]", "[OptionalKind]"]);

export function toOpenApi(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROP.has(key)) continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOpenApi(v)]),
      );
    } else if (key === "items") {
      out.items = toOpenApi(value as JsonSchema);
    } else if (key === "patternProperties") {
      const [only] = Object.values(value as Record<string, JsonSchema>);
      out.additionalProperties = toOpenApi(only);
    } else if (key === "additionalProperties") {
      if (typeof value === "object") out.additionalProperties = toOpenApi(value as JsonSchema);
    } else if (key === "exclusiveMinimum" && typeof value === "number") {
      out.minimum = value;
      out.exclusiveMinimum = true;
    } else if (key === "format" && typeof value === "string" && FORMAT_PATTERNS[value]) {
      out.pattern = FORMAT_PATTERNS[value];
    } else {
      out[key] = value;
    }
  }
  return out;
}
