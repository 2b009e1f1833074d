import { describe, expect, it } from "vitest";
import { compileExpression } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromRows } from "../../helpers/random.js";
import { chars, checkExpr, like, not3, type Row, strict, substring, type V } from "./harness.js";

const str = (v: V) => String(v);

describe("string functions match a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    ["LOWER(s)", (r) => strict((a) => str(a).toLowerCase())(r.s)],
    ["UPPER(s)", (r) => strict((a) => str(a).toUpperCase())(r.s)],
    ["lower(d)", (r) => strict((a) => str(a).toLowerCase())(r.d)],
    ["UPPER(d)", (r) => strict((a) => str(a).toUpperCase())(r.d)],
    ["LENGTH(s)", (r) => strict((a) => chars(str(a)).length)(r.s)],
    ["CHAR_LENGTH(d)", (r) => strict((a) => chars(str(a)).length)(r.d)],
    ["SUBSTRING(s, 2, 3)", (r) => substring(r.s, 2, 3)],
    ["SUBSTRING(s, 0, 2)", (r) => substring(r.s, 0, 2)],
    ["SUBSTRING(s, -3, 5)", (r) => substring(r.s, -3, 5)],
    ["SUBSTR(s, 4)", (r) => substring(r.s, 4)],
    ["SUBSTRING(s, i, j)", (r) => substring(r.s, r.i, r.j)],
    ["SUBSTRING(s FROM 2 FOR 4)", (r) => substring(r.s, 2, 4)],
    ["SUBSTRING(d, 1, 1)", (r) => substring(r.d, 1, 1)],
    ["CONCAT(s, '-', t)", (r) => `${r.s ?? ""}-${r.t ?? ""}`],
    ["CONCAT(d, i, x)", (r) => str(r.d ?? "") + (r.i === null ? "" : str(r.i)) + (r.x === null ? "" : str(r.x))],
    ["s || t", (r) => strict((a, b) => str(a) + str(b))(r.s, r.t)],
    ["s || '/' || d || '/' || i", (r) => strict((a, b, c) => `${str(a)}/${str(b)}/${str(c)}`)(r.s, r.d, r.i)],
    ["TRIM(s)", (r) => strict((a) => str(a).replace(/^ +| +$/g, ""))(r.s)],
    ["LTRIM(s)", (r) => strict((a) => str(a).replace(/^ +/, ""))(r.s)],
    ["RTRIM(s)", (r) => strict((a) => str(a).replace(/ +$/, ""))(r.s)],
    ["TRIM(BOTH 'a' FROM s)", (r) => strict((a) => str(a).replace(/^a+|a+$/g, ""))(r.s)],
    ["TRIM(LEADING 'ab' FROM s)", (r) => strict((a) => str(a).replace(/^[ab]+/, ""))(r.s)],
    ["TRIM(TRAILING ' ' FROM d)", (r) => strict((a) => str(a).replace(/ +$/, ""))(r.d)],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("LIKE matches a regular-expression reference", () => {
  const patterns = [
    "Google",
    "G%",
    "%e",
    "%oo%",
    "%",
    "",
    "_",
    "a_c",
    "%a%b%",
    "_%_",
    "%é%",
    "x\\_y\\%z",
    "x_y%",
    "日%",
    "%🚀%",
    "__%__",
    "%abc",
  ];
  for (const p of patterns) {
    it(`s LIKE '${p}'`, () => checkExpr(`s LIKE '${p}'`, (r) => like(r.s, p)));
    it(`d NOT LIKE '${p}'`, () => checkExpr(`d NOT LIKE '${p}'`, (r) => not3(like(r.d, p))));
  }
  it("ILIKE ignores case", () => checkExpr("s ILIKE 'g%'", (r) => (r.s === null ? null : /^g/i.test(String(r.s)))));
});

describe("string edge cases", () => {
  const schema = arrowSchema([{ name: "s", type: "utf8" }]);
  const evalOne = (sql: string, s: string | null) => {
    const batch = batchFromRows([{ name: "s", type: "utf8" }], [{ s }]);
    return valueAt(compileExpression(sql, { schema }).evaluate(batch), 0);
  };

  it("changes case of non-ASCII characters, including ones that change length", () => {
    expect(evalOne("UPPER(s)", "straße")).toBe("STRASSE");
    expect(evalOne("LOWER(s)", "CRÈME")).toBe("crème");
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    expect(evalOne("LENGTH(s)", "日本🚀")).toBe(3);
  });

  it("gives NULL for a negative SUBSTRING length and handles start past the end", () => {
    expect(evalOne("SUBSTRING(s, 1, -1)", "abc")).toBe(null);
    expect(evalOne("SUBSTRING(s, 10, 2)", "abc")).toBe("");
  });

  it("CONCAT skips NULLs while || propagates them", () => {
    expect(evalOne("CONCAT(s, 'x')", null)).toBe("x");
    expect(evalOne("s || 'x'", null)).toBe(null);
  });

  it("reads '' inside a string literal as one quote", () => {
    expect(evalOne("s || 'it''s'", "")).toBe("it's");
  });
});
