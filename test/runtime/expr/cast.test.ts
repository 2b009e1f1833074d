import { describe, expect, it } from "vitest";
import type { FieldType } from "../../../runtime/contract/spec/schema.js";
import { compileExpression } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromRows } from "../../helpers/random.js";
import { checkExpr, type Row, strict, type V } from "./harness.js";

const intText = (v: V, lo: number, hi: number): V => {
  if (v === null || !/^\s*[+-]?\d+\s*$/.test(String(v))) return null;
  const x = Number(String(v).trim());
  return x >= lo && x <= hi ? x : null;
};

describe("CAST matches a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    ["CAST(x AS BIGINT)", (r) => strict((a) => Math.trunc(Number(a)))(r.x)],
    ["CAST(x AS INT)", (r) => strict((a) => Math.trunc(Number(a)))(r.x)],
    [
      "CAST(l * 10000 AS INTEGER)",
      (r) => strict((a) => (Math.abs(Number(a) * 10000) > 2147483647 ? null : Number(a) * 10000))(r.l),
    ],
    ["CAST(i AS DOUBLE)", (r) => r.i],
    ["CAST(l AS FLOAT)", (r) => r.l],
    ["CAST(i AS VARCHAR)", (r) => strict((a) => String(a))(r.i)],
    ["CAST(x AS TEXT)", (r) => strict((a) => String(a))(r.x)],
    ["CAST(b AS STRING)", (r) => strict((a) => String(a))(r.b)],
    ["CAST(ts AS VARCHAR)", (r) => strict((a) => new Date(Number(a)).toISOString())(r.ts)],
    ["CAST(d AS VARCHAR)", (r) => r.d],
    ["CAST(b AS INT)", (r) => strict((a) => (a ? 1 : 0))(r.b)],
    ["CAST(i AS BOOLEAN)", (r) => strict((a) => a !== 0)(r.i)],
    ["CAST(l AS TIMESTAMP)", (r) => r.l],
    ["CAST(ts AS BIGINT)", (r) => r.ts],
    ["CAST(num_text AS INT)", (r) => intText(r.num_text, -2147483648, 2147483647)],
    ["CAST(num_text AS BIGINT)", (r) => intText(r.num_text, -(2 ** 53 - 1), 2 ** 53 - 1)],
    [
      "CAST(num_text AS DOUBLE)",
      (r) =>
        r.num_text !== null && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(String(r.num_text))
          ? Number(r.num_text)
          : null,
    ],
    [
      "CAST(num_text AS BOOLEAN)",
      (r) => {
        const t = String(r.num_text).trim().toLowerCase();
        return r.num_text === null
          ? null
          : ["true", "t", "yes", "y", "on", "1"].includes(t)
            ? true
            : ["false", "f", "no", "n", "off", "0"].includes(t)
              ? false
              : null;
      },
    ],
    ["CAST(s AS INT)", (r) => intText(r.s, -2147483648, 2147483647)],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("CAST of text to TIMESTAMP", () => {
  const schema = arrowSchema([{ name: "s", type: "utf8" }]);
  const cases: [string, number | null][] = [
    ["2024-01-01", Date.UTC(2024, 0, 1)],
    ["2024-01-01 10:00:00", Date.UTC(2024, 0, 1, 10)],
    ["2024-01-01T10:00:00.250Z", Date.UTC(2024, 0, 1, 10, 0, 0, 250)],
    ["2024-01-01T10:00:00+02:00", Date.UTC(2024, 0, 1, 8)],
    ["2024-01-01 10:30", Date.UTC(2024, 0, 1, 10, 30)],
    ["1704067200000", 1704067200000],
    ["2024-02-30", null],
    ["yesterday", null],
  ];
  for (const [text, want] of cases) {
    it(`reads '${text}' as ${want === null ? "NULL" : new Date(want).toISOString()}`, () => {
      const batch = batchFromRows([{ name: "s", type: "utf8" }], [{ s: text }]);
      expect(valueAt(compileExpression("CAST(s AS TIMESTAMP)", { schema }).evaluate(batch), 0)).toBe(want);
    });
  }

  it("reads TIMESTAMP '...' literals", () => {
    const batch = batchFromRows([{ name: "s", type: "utf8" }], [{ s: "x" }]);
    const e = compileExpression("TIMESTAMP '2024-01-01 00:00:01'", { schema });
    expect(e.type).toBe("timestamp[ms]");
    expect(valueAt(e.evaluate(batch), 0)).toBe(Date.UTC(2024, 0, 1, 0, 0, 1));
  });
});

describe("CAST result types", () => {
  const schema = arrowSchema([{ name: "x", type: "float64" }]);
  const cases: [string, FieldType][] = [
    ["BIGINT", "int64"],
    ["INT", "int32"],
    ["INTEGER", "int32"],
    ["DOUBLE", "float64"],
    ["FLOAT", "float64"],
    ["VARCHAR", "utf8"],
    ["TEXT", "utf8"],
    ["STRING", "utf8"],
    ["BOOLEAN", "bool"],
    ["TIMESTAMP", "timestamp[ms]"],
  ];
  for (const [target, type] of cases) {
    it(`CAST(x AS ${target}) is ${type}`, () =>
      expect(compileExpression(`CAST(x AS ${target})`, { schema }).type).toBe(type));
  }
  it("x::BIGINT is a cast too", () => expect(compileExpression("x::BIGINT", { schema }).type).toBe("int64"));
});
