import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkpointCrd } from "../../../operator/crd/checkpoint-crd.js";
import { streamJobCrd } from "../../../operator/crd/streamjob-crd.js";
import { CRD_DOCS_FILE, renderCrdDocs } from "../../../operator/crd/write-crd-docs.js";

type Obj = Record<string, unknown>;

/** Every property path below `schema`, named the way the reference names them. */
function paths(schema: Obj, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries((schema.properties as Record<string, Obj> | undefined) ?? {}))
    out.push(`${path}.${key}`, ...paths(child, `${path}.${key}`));
  if (schema.items) out.push(...paths(schema.items as Obj, `${path}[]`));
  if (typeof schema.additionalProperties === "object")
    out.push(...paths(schema.additionalProperties as Obj, `${path}.<name>`));
  return out;
}

const root = (crd: Obj) =>
  ((((crd.spec as Obj).versions as Obj[])[0]!.schema as Obj).openAPIV3Schema as Obj).properties as Record<string, Obj>;

describe("generated CRD reference", () => {
  it(`committed ${CRD_DOCS_FILE} matches the CRD schemas (run \`npm run crds\` to update)`, () => {
    const committed = readFileSync(new URL(`../../../${CRD_DOCS_FILE}`, import.meta.url), "utf8");
    expect(committed).toBe(renderCrdDocs());
  });

  it.each([
    ["StreamJob", streamJobCrd],
    ["Checkpoint", checkpointCrd],
  ] as const)("lists every %s spec and status field with its description", (_kind, crd) => {
    const page = renderCrdDocs();
    const { spec, status } = root(crd());
    const all = [...paths(spec!, "spec"), ...paths(status!, "status")];
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((p) => !page.includes(`| \`${p}\` |`))).toEqual([]);
  });

  it("writes a field's type, requiredness, default and description in one row", () => {
    expect(renderCrdDocs()).toMatch(
      /\| `spec\.parallelism` \| integer; ≥ 1 \| {2}\| `1` \| Subtasks per operator[^\n]*\|\n/,
    );
    expect(renderCrdDocs()).toMatch(/\| `spec\.sources\.<name>\.kafka\.topic` \| string[^|]*\| yes \|/);
  });
});
