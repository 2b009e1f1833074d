import { DataType } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { ExprError } from "../../../runtime/expr/index.js";
import { SelectOperator } from "../../../runtime/operators/select.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { Rng, randomBatch } from "../../helpers/random.js";
import { roundRef, rowsOf } from "../expr/harness.js";

const FIELDS: FieldSpec[] = [
  { name: "ts", type: "timestamp[ms]" },
  { name: "price", type: "float64" },
  { name: "channel", type: "utf8", dictionary: true },
  { name: "bidder", type: "int64" },
  { name: "auction", type: "int64" },
];
const input = { schema: arrowSchema(FIELDS), timeField: "ts", keys: ["bidder", "auction"] };

describe("SelectOperator", () => {
  it("computes each item in order and matches a row-at-a-time reference", () => {
    const rng = new Rng(5);
    for (let k = 0; k < 8; k++) {
      const batch = randomBatch(rng, FIELDS, rng.int(0, 400), { nullRate: [0, 0.2][k % 2] });
      const op = new SelectOperator("s", { ...input, schema: batch.schema }, [
        "auction",
        "ROUND(price * 0.908, 2) AS price_eur",
        "UPPER(channel) AS ch",
        "ts AS event_time",
      ]);
      const out = op.processBatch(batch, 0);
      expect(out).toHaveLength(1);
      expect(out[0].schema.fields.map((f) => f.name)).toEqual(["auction", "price_eur", "ch", "event_time"]);
      const want = rowsOf(batch).map((r) => ({
        auction: r.auction,
        price_eur: r.price === null ? null : roundRef(Number(r.price) * 0.908, 2),
        ch: r.channel === null ? null : String(r.channel).toUpperCase(),
        event_time: r.ts,
      }));
      expect(rowsOf(out[0])).toEqual(want);
    }
  });

  it("passes bare columns through without copying", () => {
    const batch = randomBatch(new Rng(1), FIELDS, 50);
    const out = new SelectOperator("s", { ...input, schema: batch.schema }, ["price", "channel AS c"]).processBatch(
      batch,
      0,
    )[0];
    expect(out.data.children[0]).toBe(batch.data.children[1]);
    expect(out.data.children[1]).toBe(batch.data.children[2]);
    expect(DataType.isDictionary(out.schema.fields[1].type)).toBe(true);
  });

  it("tracks the time field and keys through renames, and drops them when not selected", () => {
    const renamed = new SelectOperator("s", input, ["ts AS t", "bidder AS who", "auction", "price"]);
    expect(renamed.output.timeField).toBe("t");
    expect(renamed.output.keys).toEqual(["who", "auction"]);
    const computed = new SelectOperator("s", input, ["ts + 1000 AS ts", "bidder", "price"]);
    expect(computed.output.timeField).toBeUndefined();
    expect(computed.output.keys).toBeUndefined();
  });

  it("describes output column types", () => {
    const op = new SelectOperator("s", input, [
      "price * 2 AS p2",
      "bidder / 2 AS half",
      "channel = 'x' AS is_x",
      "LENGTH(channel) AS len",
    ]);
    expect(op.output.schema.fields.map((f) => String(f.type))).toEqual(["Float64", "Int64", "Bool", "Int32"]);
  });

  it("handles empty batches", () => {
    const batch = randomBatch(new Rng(1), FIELDS, 0);
    const out = new SelectOperator("s", { ...input, schema: batch.schema }, ["price * 2 AS p", "channel"]).processBatch(
      batch,
      0,
    );
    expect(out[0].numRows).toBe(0);
  });

  it("requires names for computed items and distinct output names", () => {
    expect(() => new SelectOperator("s", input, ["price * 2"])).toThrow("needs a name");
    expect(() => new SelectOperator("s", input, ["price", "bidder AS price"])).toThrow(ExprError);
    expect(() => new SelectOperator("s", input, ["pirce AS p"])).toThrow(/unknown column `pirce`/);
  });

  it("holds no state", () => {
    const op = new SelectOperator("s", input, ["price"]);
    expect(op.snapshot()).toBeNull();
    expect(op.processWatermark(Infinity)).toEqual([]);
    expect(op.lateRecords()).toBe(0);
  });
});
