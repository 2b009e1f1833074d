import { describe, it } from "vitest";
import { and3, checkExpr, checkPredicate, cmp, not3, or3, type Row, type V } from "./harness.js";

const test = (c: number | null, ok: (c: number) => boolean): V => (c === null ? null : ok(c));

describe("comparisons match a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    ["i = j", (r) => test(cmp(r.i, r.j), (c) => c === 0)],
    ["i <> j", (r) => test(cmp(r.i, r.j), (c) => c !== 0)],
    ["i != 3", (r) => test(cmp(r.i, 3), (c) => c !== 0)],
    ["i < l", (r) => test(cmp(r.i, r.l), (c) => c < 0)],
    ["x <= y", (r) => test(cmp(r.x, r.y), (c) => c <= 0)],
    ["x > 100", (r) => test(cmp(r.x, 100), (c) => c > 0)],
    ["100 > x", (r) => test(cmp(100, r.x), (c) => c > 0)],
    ["i >= 2.5", (r) => test(cmp(r.i, 2.5), (c) => c >= 0)],
    ["s = t", (r) => test(cmp(r.s, r.t), (c) => c === 0)],
    ["s < t", (r) => test(cmp(r.s, r.t), (c) => c < 0)],
    ["s = 'Google'", (r) => test(cmp(r.s, "Google"), (c) => c === 0)],
    ["s <> 'Google'", (r) => test(cmp(r.s, "Google"), (c) => c !== 0)],
    ["s >= 'abc'", (r) => test(cmp(r.s, "abc"), (c) => c >= 0)],
    ["'abc' > s", (r) => test(cmp("abc", r.s), (c) => c > 0)],
    ["s > 'straße'", (r) => test(cmp(r.s, "straße"), (c) => c > 0)],
    ["d = 'Google'", (r) => test(cmp(r.d, "Google"), (c) => c === 0)],
    ["d <> 'Google'", (r) => test(cmp(r.d, "Google"), (c) => c !== 0)],
    ["d < 'M'", (r) => test(cmp(r.d, "M"), (c) => c < 0)],
    ["d = e", (r) => test(cmp(r.d, r.e), (c) => c === 0)],
    ["d = s", (r) => test(cmp(r.d, r.s), (c) => c === 0)],
    ["b = c", (r) => test(cmp(r.b, r.c), (c) => c === 0)],
    ["b < c", (r) => test(cmp(r.b, r.c), (c) => c < 0)],
    ["ts > 1700000001000", (r) => test(cmp(r.ts, 1700000001000), (c) => c > 0)],
    ["ts >= '2023-11-14 22:30:00'", (r) => test(cmp(r.ts, Date.UTC(2023, 10, 14, 22, 30)), (c) => c >= 0)],
    ["ts < l", (r) => test(cmp(r.ts, r.l), (c) => c < 0)],
    ["i = NULL", () => null],
    [
      "i BETWEEN -10 AND 10",
      (r) =>
        and3(
          test(cmp(r.i, -10), (c) => c >= 0),
          test(cmp(r.i, 10), (c) => c <= 0),
        ),
    ],
    [
      "x NOT BETWEEN y AND 100",
      (r) =>
        not3(
          and3(
            test(cmp(r.x, r.y), (c) => c >= 0),
            test(cmp(r.x, 100), (c) => c <= 0),
          ),
        ),
    ],
    [
      "s BETWEEN 'a' AND 'm'",
      (r) =>
        and3(
          test(cmp(r.s, "a"), (c) => c >= 0),
          test(cmp(r.s, "m"), (c) => c <= 0),
        ),
    ],
    ["i IN (1, 2, 3, -5)", (r) => (r.i === null ? null : [1, 2, 3, -5].includes(Number(r.i)))],
    ["i IN (1, NULL)", (r) => (r.i === null ? null : r.i === 1 ? true : null)],
    ["i NOT IN (1, 2)", (r) => (r.i === null ? null : ![1, 2].includes(Number(r.i)))],
    ["i NOT IN (1, NULL)", (r) => not3(r.i === null ? null : r.i === 1 ? true : null)],
    [
      "i IN (j, 3)",
      (r) =>
        or3(
          test(cmp(r.i, r.j), (c) => c === 0),
          test(cmp(r.i, 3), (c) => c === 0),
        ),
    ],
    [
      "x IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)",
      (r) => (r.x === null ? null : Number.isInteger(r.x) && Number(r.x) >= 0 && Number(r.x) <= 10),
    ],
    ["s IN ('Google', 'abc', '')", (r) => (r.s === null ? null : ["Google", "abc", ""].includes(String(r.s)))],
    ["d IN ('Google', 'abc')", (r) => (r.d === null ? null : ["Google", "abc"].includes(String(r.d)))],
    ["d NOT IN ('Google', NULL)", (r) => not3(r.d === null ? null : r.d === "Google" ? true : null)],
    [
      "s IN (t, 'a')",
      (r) =>
        or3(
          test(cmp(r.s, r.t), (c) => c === 0),
          test(cmp(r.s, "a"), (c) => c === 0),
        ),
    ],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("predicates select exactly the TRUE rows (NULL is dropped)", () => {
  const cases: [string, (r: Row) => V][] = [
    [
      "x > 100 AND d <> 'Google'",
      (r) =>
        and3(
          test(cmp(r.x, 100), (c) => c > 0),
          test(cmp(r.d, "Google"), (c) => c !== 0),
        ),
    ],
    [
      "i = 1 OR s = 'abc'",
      (r) =>
        or3(
          test(cmp(r.i, 1), (c) => c === 0),
          test(cmp(r.s, "abc"), (c) => c === 0),
        ),
    ],
    ["NOT (i > 0)", (r) => not3(test(cmp(r.i, 0), (c) => c > 0))],
    ["b", (r) => r.b],
    ["TRUE", () => true],
    ["FALSE", () => false],
    ["NULL", () => null],
    ["1 = 1", () => true],
    ["d IS NULL", (r) => r.d === null],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkPredicate(sql, ref));
});
