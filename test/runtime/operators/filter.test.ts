import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { ExprError } from "../../../runtime/expr/index.js";
import { FilterOperator } from "../../../runtime/operators/filter.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { batchFromRows, Rng, randomBatch } from "../../helpers/random.js";
import { rowsOf } from "../expr/harness.js";

const FIELDS: FieldSpec[] = [
  { name: "ts", type: "timestamp[ms]" },
  { name: "price", type: "float64" },
  { name: "channel", type: "utf8", dictionary: true },
  { name: "bidder", type: "int64" },
  { name: "url", type: "utf8" },
];
const input = { schema: arrowSchema(FIELDS), timeField: "ts", keys: ["bidder"] };

describe("FilterOperator", () => {
  it("keeps exactly the rows a row-at-a-time reference keeps, in order, with all columns", () => {
    const rng = new Rng(11);
    for (let k = 0; k < 10; k++) {
      const batch = randomBatch(rng, FIELDS, rng.int(0, 500), {
        nullRate: [0, 0.1, 0.5][k % 3],
        strings: ["Google", "Apple", "Facebook", ""],
      });
      const op = new FilterOperator("f", { ...input, schema: batch.schema }, "price > 100 AND channel <> 'Google'");
      const out = op.processBatch(batch, 0);
      const want = rowsOf(batch).filter(
        (r) => r.price !== null && Number(r.price) > 100 && r.channel !== null && r.channel !== "Google",
      );
      expect(out.flatMap(rowsOf)).toEqual(want);
      for (const b of out) expect(b.schema.fields).toEqual(batch.schema.fields);
    }
  });

  it("forwards a batch whose rows all pass without copying, and emits nothing when none do", () => {
    const batch = batchFromRows(FIELDS, [{ price: 5 }, { price: 7 }]);
    const op = new FilterOperator("f", { ...input, schema: batch.schema }, "price > 1");
    expect(op.processBatch(batch, 0)[0]).toBe(batch);
    expect(new FilterOperator("f", { ...input, schema: batch.schema }, "price > 10").processBatch(batch, 0)).toEqual(
      [],
    );
    expect(op.processBatch(batch.slice(0, 0), 0)).toEqual([]);
  });

  it("drops rows where the condition is NULL", () => {
    const batch = batchFromRows(FIELDS, [{ price: null }, { price: 3 }]);
    const out = new FilterOperator("f", { ...input, schema: batch.schema }, "price > 1").processBatch(batch, 0);
    expect(out.flatMap(rowsOf).map((r) => r.price)).toEqual([3]);
  });

  it("filters sliced batches (non-zero column offsets)", () => {
    const batch = randomBatch(new Rng(2), FIELDS, 300, { strings: ["Google", "x"] });
    const sliced = batch.slice(50, 250);
    const out = new FilterOperator(
      "f",
      { ...input, schema: batch.schema },
      "channel = 'x' OR url = 'Google'",
    ).processBatch(sliced, 0);
    const want = rowsOf(sliced).filter((r) => r.channel === "x" || r.url === "Google");
    expect(out.flatMap(rowsOf)).toEqual(want);
  });

  it("keeps the input schema, time field and keys, and holds no state", () => {
    const op = new FilterOperator("f", input, "bidder % 2 = 0");
    expect(op.output).toEqual(input);
    expect(op.snapshot()).toBeNull();
    expect(op.processWatermark(Infinity)).toEqual([]);
    expect(op.lateRecords()).toBe(0);
  });

  it("rejects a condition that is not boolean or names an unknown column", () => {
    expect(() => new FilterOperator("f", input, "price * 2")).toThrow(ExprError);
    expect(() => new FilterOperator("f", input, "prise > 2")).toThrow(/unknown column `prise`.*did you mean `price`/);
  });
});
