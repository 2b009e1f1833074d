import type { Schema } from "apache-arrow";
import { expect } from "vitest";

/** Same names, types and nullability; dictionary columns keep the declared type (its dictionary id). */
export function expectSchema(got: Schema, want: Schema): void {
  const describe = (s: Schema) =>
    s.fields.map((f) => [f.name, String(f.type), f.nullable, (f.type as { id?: number }).id]);
  expect(describe(got)).toEqual(describe(want));
}
