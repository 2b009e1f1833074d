import { describe, expect, it } from "vitest";
import { compileExpression } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { checkExpr, cmp, type Row, type V } from "./harness.js";

const gt = (a: V, b: V) => cmp(a, b) === 1;

describe("CASE, COALESCE and NULLIF match a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    [
      "CASE WHEN x > 100 THEN 'big' WHEN x > 0 THEN 'small' ELSE 'neg' END",
      (r) => (gt(r.x, 100) ? "big" : gt(r.x, 0) ? "small" : "neg"),
    ],
    ["CASE WHEN b THEN i END", (r) => (r.b === true ? r.i : null)],
    ["CASE WHEN b THEN i ELSE x END", (r) => (r.b === true ? r.i : r.x)],
    ["CASE WHEN b THEN s WHEN c THEN d ELSE NULL END", (r) => (r.b === true ? r.s : r.c === true ? r.d : null)],
    ["CASE WHEN b THEN NULL ELSE TRUE END", (r) => (r.b === true ? null : true)],
    ["CASE WHEN c THEN b ELSE NOT b END", (r) => (r.c === true ? r.b : r.b === null ? null : !r.b)],
    ["CASE d WHEN 'Google' THEN 1 WHEN 'abc' THEN 2 ELSE 3 END", (r) => (r.d === "Google" ? 1 : r.d === "abc" ? 2 : 3)],
    [
      "CASE i WHEN j THEN 'same' WHEN 0 THEN 'zero' END",
      (r) => (r.i !== null && r.i === r.j ? "same" : r.i === 0 ? "zero" : null),
    ],
    ["CASE WHEN ts > 1700000001000 THEN ts ELSE 0 END", (r) => (gt(r.ts, 1700000001000) ? r.ts : 0)],
    ["CASE WHEN d IS NULL THEN 'none' ELSE d END", (r) => r.d ?? "none"],
    ["COALESCE(s, t, 'none')", (r) => r.s ?? r.t ?? "none"],
    ["COALESCE(d, e)", (r) => r.d ?? r.e],
    ["COALESCE(d, 'unknown')", (r) => r.d ?? "unknown"],
    ["COALESCE(i, l, 0)", (r) => r.i ?? r.l ?? 0],
    ["COALESCE(x, i)", (r) => r.x ?? r.i],
    ["COALESCE(b, c, FALSE)", (r) => r.b ?? r.c ?? false],
    ["COALESCE(NULL, i)", (r) => r.i],
    ["NULLIF(i, 0)", (r) => (r.i === 0 ? null : r.i)],
    ["NULLIF(i, j)", (r) => (r.i !== null && r.i === r.j ? null : r.i)],
    ["NULLIF(d, 'Google')", (r) => (r.d === "Google" ? null : r.d)],
    ["NULLIF(s, t)", (r) => (r.s !== null && r.s === r.t ? null : r.s)],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("CASE result types", () => {
  const schema = arrowSchema([
    { name: "i", type: "int32" },
    { name: "l", type: "int64" },
    { name: "x", type: "float64" },
    { name: "s", type: "utf8" },
  ]);
  const typeOf = (sql: string) => compileExpression(sql, { schema }).type;

  it("takes the common type of the branches", () => {
    expect(typeOf("CASE WHEN i > 0 THEN i ELSE i END")).toBe("int32");
    expect(typeOf("CASE WHEN i > 0 THEN i ELSE l END")).toBe("int64");
    expect(typeOf("CASE WHEN i > 0 THEN i ELSE x END")).toBe("float64");
    expect(typeOf("CASE WHEN i > 0 THEN NULL ELSE s END")).toBe("utf8");
    expect(typeOf("COALESCE(i, 0)")).toBe("int64");
  });

  it("rejects branches that cannot agree", () => {
    expect(() => typeOf("CASE WHEN i > 0 THEN s ELSE x END")).toThrow(/incompatible types utf8 and float64/);
    expect(() => typeOf("COALESCE(s, 1)")).toThrow(/COALESCE.*incompatible/);
  });
});
