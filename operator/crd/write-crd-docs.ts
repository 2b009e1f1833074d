import { writeFileSync } from "node:fs";
import { checkpointCrd } from "./checkpoint-crd.js";
import type { JsonSchema } from "./openapi.js";
import { streamJobCrd } from "./streamjob-crd.js";

/**
 * `npm run crds` also writes docs/reference/crds.md from the same CRD objects as crds/, so the
 * reference cannot say anything the API server does not enforce. A unit test fails on drift.
 */
export const CRD_DOCS_FILE = "docs/reference/crds.md";

const CRDS: (() => JsonSchema)[] = [streamJobCrd, checkpointCrd];

type Obj = Record<string, unknown>;

/** One object of the schema and where `kubectl explain` finds it. */
type ObjectAt = { path: string; schema: Obj };

/** A table cell: one line, with the characters that would end the cell or the table escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, "\\|")}\``;
}

/** The value type in words, with the constraints the API server checks. */
function typeOf(schema: Obj): string {
  let kind = typeof schema.type === "string" ? schema.type : "any";
  if (schema.type === "array") kind = `array of ${typeOf((schema.items as Obj | undefined) ?? {})}`;
  else if (schema.type === "object" && typeof schema.additionalProperties === "object")
    kind = `map of ${typeOf(schema.additionalProperties as Obj)}`;
  if (typeof schema.format === "string") kind += ` (${schema.format})`;
  const parts: string[] = [];
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => code(String(v))).join(", ")}`);
  if (typeof schema.pattern === "string") parts.push(`matching ${code(schema.pattern)}`);
  const bounds: [string, string][] = [
    ["minimum", schema.exclusiveMinimum === true ? ">" : "≥"],
    ["maximum", "≤"],
    ["minLength", "length ≥"],
    ["maxLength", "length ≤"],
    ["minItems", "items ≥"],
    ["maxItems", "items ≤"],
    ["maxProperties", "keys ≤"],
  ];
  for (const [key, word] of bounds) if (typeof schema[key] === "number") parts.push(`${word} ${schema[key] as number}`);
  return parts.length ? `${kind}; ${parts.join(", ")}` : kind;
}

/** The schema whose properties describe an element: list items and map values are explained under the list or map. */
function element(schema: Obj, path: string): ObjectAt | undefined {
  if (schema.properties) return { path, schema };
  if (schema.type === "array" && schema.items) return element(schema.items as Obj, `${path}[]`);
  if (typeof schema.additionalProperties === "object")
    return element(schema.additionalProperties as Obj, `${path}.<name>`);
  return undefined;
}

/** Every object below `root` that has properties, parents before children, in schema order. */
function objects(root: ObjectAt): ObjectAt[] {
  const out: ObjectAt[] = [root];
  for (const [key, child] of Object.entries(root.schema.properties as Record<string, Obj>)) {
    const nested = element(child, `${root.path}.${key}`);
    if (nested) out.push(...objects(nested));
  }
  return out;
}

function table({ path, schema }: ObjectAt): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(schema.properties as Record<string, Obj>).map(([key, child]) => {
    const kept = child["x-kubernetes-preserve-unknown-fields"] === true ? " Other fields are kept as written." : "";
    const fallback = child.default === undefined ? "" : code(JSON.stringify(child.default));
    const description = `${typeof child.description === "string" ? child.description : ""}${kept}`;
    return `| ${code(`${path}.${key}`)} | ${typeOf(child)} | ${required.has(key) ? "yes" : ""} | ${fallback} | ${cell(description)} |`;
  });
  const intro = typeof schema.description === "string" ? `${cell(schema.description)}\n\n` : "";
  return `### \`${path}\`\n\n${intro}| Field | Type | Required | Default | Description |\n|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

function columns(version: Obj): string {
  const printed = (version.additionalPrinterColumns as Obj[] | undefined) ?? [];
  if (printed.length === 0) return "";
  const rows = printed.map(
    (c) => `| ${cell(String(c.name))} | ${code(String(c.jsonPath))} | ${c.priority ? "`-o wide`" : "always"} |`,
  );
  return `Columns of \`kubectl get\`:\n\n| Column | From | Shown |\n|---|---|---|\n${rows.join("\n")}\n\n`;
}

function crdSection(crd: Obj): string {
  const spec = crd.spec as Obj;
  const names = spec.names as Obj;
  const version = (spec.versions as Obj[])[0];
  if (!version) throw new Error(`the ${String(names.kind)} CRD has no version to document`);
  const root = ((version.schema as Obj).openAPIV3Schema as Obj).properties as Record<string, Obj>;
  const shortNames = (names.shortNames as string[] | undefined) ?? [];
  const head = [
    `## ${String(names.kind)}`,
    "",
    `\`${String(spec.group)}/${String(version.name)}\`, ${String(spec.scope).toLowerCase()}; plural \`${String(names.plural)}\`` +
      `${shortNames.length ? `, short name ${shortNames.map((s) => `\`${s}\``).join(", ")}` : ""}.`,
    "",
  ].join("\n");
  const tables = ["spec", "status"].flatMap((part) => (root[part] ? objects({ path: part, schema: root[part] }) : []));
  return `${head}\n${columns(version)}${tables.map(table).join("\n")}`;
}

/** The whole page, as `npm run crds` writes it. */
export function renderCrdDocs(): string {
  const kinds = CRDS.map((crd) => String(((crd().spec as Obj).names as Obj).kind));
  return [
    "<!-- Generated by `npm run crds` (operator/crd/write-crd-docs.ts) from the CRD schemas. Do not edit. -->",
    "# CRD reference",
    "",
    `Every field of the ${kinds.join(" and ")} resources, generated from the same schema objects as \`crds/\`; ` +
      "`kubectl explain` shows the same descriptions. One table per object; `[]` marks a list's items, " +
      "`<name>` a map's values. The manual explains the fields in context: [manifest](../manifest.md), " +
      "[operator](../operator.md), [checkpoints](../checkpoints.md).",
    "",
    ...CRDS.map((crd) => crdSection(crd())),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL(`../../${CRD_DOCS_FILE}`, import.meta.url), renderCrdDocs());
  console.log(`wrote ${CRD_DOCS_FILE}`);
}
