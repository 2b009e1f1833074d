import type { TSchema } from "@sinclair/typebox";

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `value` as a JSON merge patch that replaces what is there: each property the object schema
 * declares and `value` lacks becomes null (merge patch deletes it), and nested objects get the
 * same treatment. Arrays and scalars need none: a merge patch replaces them whole.
 */
export function wholeValue(schema: TSchema, value: unknown): unknown {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties || !isObject(value)) return value;
  const out: JsonObject = { ...value };
  for (const [key, sub] of Object.entries(properties))
    out[key] = value[key] === undefined ? null : wholeValue(sub, value[key]);
  return out;
}
