import { DataType } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { compileExpression, compilePredicate } from "../../../runtime/expr/index.js";
import { concatData } from "../../../runtime/kernels/take.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromRows, Rng, randomBatch } from "../../helpers/random.js";

const FIELDS: FieldSpec[] = [
  { name: "channel", type: "utf8", dictionary: true },
  { name: "price", type: "float64" },
];
const values = (d: { length: number }, f: (i: number) => unknown) => Array.from({ length: d.length }, (_, i) => f(i));

describe("expressions over one dictionary column", () => {
  it("keep string results dictionary-encoded, with NULL rows NULL", () => {
    const batch = batchFromRows(FIELDS, [
      { channel: "Google" },
      { channel: null },
      { channel: "Apple" },
      { channel: "Google" },
    ]);
    const e = compileExpression("LOWER(channel)", { schema: batch.schema });
    expect(e.dictionary).toBe(true);
    const out = e.evaluate(batch);
    expect(DataType.isDictionary(out.type)).toBe(true);
    expect(out.type).toBe(e.arrowType);
    expect(values(out, (i) => valueAt(out, i))).toEqual(["google", null, "apple", "google"]);
  });

  it("evaluate functions of NULL on the extra NULL entry (COALESCE, IS NULL)", () => {
    const batch = batchFromRows(FIELDS, [{ channel: null }, { channel: "Apple" }]);
    const c = compileExpression("COALESCE(channel, 'none')", { schema: batch.schema }).evaluate(batch);
    expect(values(c, (i) => valueAt(c, i))).toEqual(["none", "Apple"]);
    const n = compileExpression("channel IS NULL", { schema: batch.schema }).evaluate(batch);
    expect(values(n, (i) => valueAt(n, i))).toEqual([true, false]);
  });

  it("reuse per-entry results across batches sharing a dictionary, and share the output dictionary", () => {
    const big = randomBatch(new Rng(3), FIELDS, 1000, { strings: ["a", "B", "c"] });
    const e = compileExpression("UPPER(channel)", { schema: big.schema });
    const first = e.evaluate(big.slice(0, 500));
    const second = e.evaluate(big.slice(500, 1000)); // (begin, end)
    expect(first.dictionary).toBe(second.dictionary);
    const both = concatData([first, second]);
    const input = big.data.children[0];
    for (let i = 0; i < 1000; i++) {
      const v = valueAt(input, i);
      expect(valueAt(both, i)).toBe(v === null ? null : String(v).toUpperCase());
    }
  });

  it("concatenate with parts of different dictionaries (output from before and after a restore)", () => {
    const a = batchFromRows(FIELDS, [{ channel: "Google" }, { channel: null }, { channel: "Apple" }]).data.children[0];
    const b = batchFromRows(FIELDS, [{ channel: "Baidu" }, { channel: "Google" }]).data.children[0];
    expect(a.dictionary).not.toBe(b.dictionary);
    const both = concatData([a, b, a]);
    expect(DataType.isDictionary(both.type)).toBe(true);
    expect(values(both, (i) => valueAt(both, i))).toEqual([
      "Google",
      null,
      "Apple",
      "Baidu",
      "Google",
      "Google",
      null,
      "Apple",
    ]);
    expect(both.nullCount).toBe(2);
  });

  it("still work when a batch carries the column as plain utf8", () => {
    const dictBatch = batchFromRows(FIELDS, [{ channel: "Google" }]);
    const plainBatch = batchFromRows(
      [{ name: "channel", type: "utf8" }, FIELDS[1]],
      [{ channel: "Google" }, { channel: "x" }],
    );
    const p = compilePredicate("channel = 'Google'", { schema: dictBatch.schema });
    expect(p.selection(plainBatch).count).toBe(1);
  });

  it("are not lifted when they read other columns too", () => {
    const schema = arrowSchema(FIELDS);
    const e = compileExpression("CASE WHEN price > 1 THEN channel ELSE 'cheap' END", { schema });
    expect(e.dictionary).toBe(false);
  });
});
