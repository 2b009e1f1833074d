import { describe, it } from "vitest";
import { and3, checkExpr, cmp, not3, or3, type Row, type V } from "./harness.js";

const gt = (a: V, b: V): V => {
  const c = cmp(a, b);
  return c === null ? null : c > 0;
};

describe("three-valued logic matches a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    ["b AND c", (r) => and3(r.b, r.c)],
    ["b OR c", (r) => or3(r.b, r.c)],
    ["NOT b", (r) => not3(r.b)],
    ["NOT NOT b", (r) => r.b],
    ["b AND NULL", (r) => and3(r.b, null)],
    ["b OR NULL", (r) => or3(r.b, null)],
    ["b AND TRUE", (r) => r.b],
    ["b OR FALSE", (r) => r.b],
    ["b AND FALSE", () => false],
    ["c OR TRUE", () => true],
    ["b IS NULL", (r) => r.b === null],
    ["b IS NOT NULL", (r) => r.b !== null],
    ["s IS NULL", (r) => r.s === null],
    ["d IS NOT NULL", (r) => r.d !== null],
    ["b IS TRUE", (r) => r.b === true],
    ["b IS NOT TRUE", (r) => r.b !== true],
    ["b IS FALSE", (r) => r.b === false],
    ["b IS NOT FALSE", (r) => r.b !== false],
    ["NULL IS NULL", () => true],
    // Precedence: NOT > AND > OR, whatever node-sql-parser's tree says.
    ["b AND c OR NOT b", (r) => or3(and3(r.b, r.c), not3(r.b))],
    ["b OR c AND NOT b", (r) => or3(r.b, and3(r.c, not3(r.b)))],
    ["NOT b AND c OR b AND NOT c", (r) => or3(and3(not3(r.b), r.c), and3(r.b, not3(r.c)))],
    ["i > 0 AND j > 0 OR x > 0", (r) => or3(and3(gt(r.i, 0), gt(r.j, 0)), gt(r.x, 0))],
    ["i > 0 OR j > 0 AND x > 0", (r) => or3(gt(r.i, 0), and3(gt(r.j, 0), gt(r.x, 0)))],
    ["i > 0 OR j > 0 AND x > 0 OR y > 0", (r) => or3(or3(gt(r.i, 0), and3(gt(r.j, 0), gt(r.x, 0))), gt(r.y, 0))],
    ["(i > 0 OR j > 0) AND x > 0", (r) => and3(or3(gt(r.i, 0), gt(r.j, 0)), gt(r.x, 0))],
    ["NOT (b OR c) AND i > 0", (r) => and3(not3(or3(r.b, r.c)), gt(r.i, 0))],
    ["COALESCE(b OR c AND NOT b, FALSE)", (r) => or3(r.b, and3(r.c, not3(r.b))) ?? false],
    ["CASE WHEN b OR c AND i > 0 THEN 1 ELSE 0 END", (r) => (or3(r.b, and3(r.c, gt(r.i, 0))) === true ? 1 : 0)],
    ["d = 'Google' OR d IS NULL", (r) => or3(r.d === null ? null : r.d === "Google", r.d === null)],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});
