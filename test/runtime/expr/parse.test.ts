import { describe, expect, it } from "vitest";
import { compileExpression, ExprError, parseSelectItem } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromRows } from "../../helpers/random.js";

describe("parseSelectItem", () => {
  it("splits expression and alias", () => {
    expect(parseSelectItem("price * 0.908 AS price_eur")).toEqual({ expr: "price * 0.908", alias: "price_eur" });
    expect(parseSelectItem("price * 0.908 as price_eur")).toEqual({ expr: "price * 0.908", alias: "price_eur" });
    expect(parseSelectItem('UPPER(name) AS "Upper Name"')).toEqual({ expr: "UPPER(name)", alias: "Upper Name" });
    expect(parseSelectItem("CASE WHEN a > 1 THEN 'x' ELSE 'y' END AS kind")).toEqual({
      expr: "CASE WHEN a > 1 THEN 'x' ELSE 'y' END",
      alias: "kind",
    });
  });

  it("keeps a bare column's name (quoted or not)", () => {
    expect(parseSelectItem("price")).toEqual({ expr: "price", alias: "price" });
    expect(parseSelectItem(' "Order Id" ')).toEqual({ expr: '"Order Id"', alias: "Order Id" });
    expect(parseSelectItem("price AS p")).toEqual({ expr: "price", alias: "p" });
  });

  it("asks for a name when an expression has none", () => {
    expect(() => parseSelectItem("price * 2")).toThrow(ExprError);
    expect(() => parseSelectItem("price * 2")).toThrow(
      "select item `price * 2` needs a name: write `price * 2 AS <name>`",
    );
  });

  it("rejects several expressions in one item", () => {
    expect(() => parseSelectItem("a, b")).toThrow(/one expression, found 2/);
  });
});

describe("identifiers and literals", () => {
  const fields = [
    { name: "Order Id", type: "int64" as const },
    { name: "timestamp", type: "int64" as const },
    { name: "dateTime", type: "int64" as const },
  ];
  const schema = arrowSchema(fields);
  const batch = batchFromRows(fields, [{ "Order Id": 7, timestamp: 100, dateTime: 5 }]);
  const one = (sql: string) => valueAt(compileExpression(sql, { schema }).evaluate(batch), 0);

  it("reads double-quoted and backquoted identifiers as column names", () => {
    expect(one('"Order Id" + 1')).toBe(8);
    expect(one("`Order Id` * 2")).toBe(14);
  });

  it("accepts common column names that are SQL keywords, and mixed case", () => {
    expect(one("timestamp + 1")).toBe(101);
    expect(one("dateTime")).toBe(5);
  });

  it("matches a column name case-insensitively when that is unambiguous", () => {
    expect(one("DATETIME + 1")).toBe(6);
  });

  it("types integer literals as int64 and decimals as float64", () => {
    expect(compileExpression("1", { schema }).type).toBe("int64");
    expect(compileExpression("1.0", { schema }).type).toBe("float64");
    expect(compileExpression("1e3", { schema }).type).toBe("float64");
    expect(compileExpression("'a'", { schema }).type).toBe("utf8");
    expect(compileExpression("TRUE", { schema }).type).toBe("bool");
  });
});
