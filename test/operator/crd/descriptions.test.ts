import { describe, expect, it } from "vitest";
import { checkpointCrd } from "../../../operator/crd/checkpoint-crd.js";
import { streamJobCrd } from "../../../operator/crd/streamjob-crd.js";

type Obj = Record<string, unknown>;

/** Paths (as `kubectl explain` names them) of properties below `schema` without a description. */
function undescribed(schema: Obj, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries((schema.properties as Record<string, Obj> | undefined) ?? {})) {
    const at = `${path}.${key}`;
    if (typeof child.description !== "string" || child.description.trim() === "") out.push(at);
    out.push(...undescribed(child, at));
  }
  // Walk into list items and map values: their properties are explained under the list or map's name.
  if (schema.items) out.push(...undescribed(schema.items as Obj, path));
  if (typeof schema.additionalProperties === "object")
    out.push(...undescribed(schema.additionalProperties as Obj, path));
  return out;
}

const root = (crd: Obj) =>
  ((((crd.spec as Obj).versions as Obj[])[0]!.schema as Obj).openAPIV3Schema as Obj).properties as Record<string, Obj>;

describe("kubectl explain", () => {
  it.each([
    ["StreamJob", streamJobCrd],
    ["Checkpoint", checkpointCrd],
  ] as const)("every %s spec and status field has a description", (_kind, crd) => {
    const { spec, status } = root(crd());
    expect([...undescribed(spec!, "spec"), ...undescribed(status!, "status")]).toEqual([]);
  });

  it("describes spec and status themselves", () => {
    for (const crd of [streamJobCrd(), checkpointCrd()])
      for (const part of ["spec", "status"]) expect(root(crd)[part]!.description, part).toEqual(expect.any(String));
  });

  it("finds an undescribed field at its kubectl explain path", () => {
    const schema = { properties: { a: { description: "A.", items: { properties: { b: { type: "string" } } } } } };
    expect(undescribed(schema, "spec")).toEqual(["spec.a.b"]);
  });
});
