import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { compileExpression } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { valueAt } from "../../../runtime/types/column.js";
import { batchFromRows } from "../../helpers/random.js";
import { checkExpr, type Row, strict, type V } from "./harness.js";

/** The ISO text of a timestamp (UTC), cut into Java-pattern fields by position, as the reference. */
const iso = (v: V) => new Date(v as number).toISOString();

describe("time and text functions match a row-at-a-time reference (nulls give null)", () => {
  const cases: [string, (r: Row) => V][] = [
    ["HOUR(ts)", (r) => strict((t) => new Date(t as number).getUTCHours())(r.ts)],
    ["MINUTE(ts)", (r) => strict((t) => new Date(t as number).getUTCMinutes())(r.ts)],
    ["SECOND(ts)", (r) => strict((t) => new Date(t as number).getUTCSeconds())(r.ts)],
    ["DATE_FORMAT(ts, 'yyyy-MM-dd')", (r) => strict((t) => iso(t).slice(0, 10))(r.ts)],
    ["DATE_FORMAT(ts, 'HH:mm')", (r) => strict((t) => iso(t).slice(11, 16))(r.ts)],
    ["DATE_FORMAT(ts, 'yyyy-MM-dd''T''HH:mm:ss.SSS')", (r) => strict((t) => iso(t).slice(0, 23))(r.ts)],
    [
      "DATE_FORMAT(ts, 'yyyyMMdd ''at'' HH')",
      (r) => strict((t) => `${iso(t).slice(0, 10).replace(/-/g, "")} at ${iso(t).slice(11, 13)}`)(r.ts),
    ],
    [
      "REGEXP_EXTRACT(s, '([a-m]+)([n-z]*)', 2)",
      (r) => strict((s) => /([a-m]+)([n-z]*)/u.exec(String(s))?.[2] ?? null)(r.s),
    ],
    ["REGEXP_EXTRACT(d, '[a-z]+')", (r) => strict((s) => /[a-z]+/u.exec(String(s))?.[0] ?? null)(r.d)],
    ["REGEXP_EXTRACT(s, '(a)', 2)", (r) => (r.s === null ? null : null)],
    ["COUNT_CHAR(s, 'a')", (r) => strict((s) => String(s).split("a").length - 1)(r.s)],
    ["COUNT_CHAR(d, 'e')", (r) => strict((s) => String(s).split("e").length - 1)(r.d)],
    ["SPLIT_INDEX(s, 'a', 0)", (r) => strict((s) => String(s).split("a")[0])(r.s)],
    ["SPLIT_INDEX(d, 'e', 1)", (r) => strict((s) => String(s).split("e")[1] ?? null)(r.d)],
    ["SPLIT_INDEX(s, 'ab', 2)", (r) => strict((s) => String(s).split("ab")[2] ?? null)(r.s)],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("Nexmark's uses (q10, q14, q21, q22)", () => {
  const url = "https://www.nexmark.com/abc/def/ghi/item.htm?query=1&channel_id=1234";
  const fields: FieldSpec[] = [
    { name: "url", type: "utf8" },
    { name: "ts", type: "timestamp[ms]" },
  ];
  const schema = arrowSchema(fields);
  const batch = batchFromRows(fields, [
    { url, ts: Date.UTC(2024, 0, 2, 19, 5, 7, 8) },
    { url: "channel_id=9", ts: Date.UTC(2024, 11, 31, 8, 0, 0) },
    { url: "no channel", ts: null },
  ]);
  const values = (sql: string) => {
    const e = compileExpression(sql, { schema });
    const col = e.evaluate(batch);
    return [0, 1, 2].map((i) => valueAt(col, i));
  };

  it("read what Flink reads", () => {
    expect(values("REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)")).toEqual(["1234", "9", null]);
    expect(values("SPLIT_INDEX(url, '/', 3)")).toEqual(["abc", null, null]);
    expect(values("SPLIT_INDEX(url, '/', 5)")).toEqual(["ghi", null, null]);
    expect(values("HOUR(ts)")).toEqual([19, 8, null]);
    expect(values("DATE_FORMAT(ts, 'yyyy-MM-dd')")).toEqual(["2024-01-02", "2024-12-31", null]);
    expect(values("DATE_FORMAT(ts, 'HH:mm')")).toEqual(["19:05", "08:00", null]);
  });

  it("refuse what they cannot compute, saying what to write", () => {
    const fails = (sql: string) => () => compileExpression(sql, { schema });
    expect(fails("DATE_FORMAT(ts, 'EEE')")).toThrow(/pattern letter 'E' is not supported/);
    expect(fails("DATE_FORMAT(url, 'yyyy')")).toThrow(/needs a timestamp/);
    expect(fails("REGEXP_EXTRACT(url, url)")).toThrow(/regex must be a string literal/);
    expect(fails("REGEXP_EXTRACT(url, '(')")).toThrow(/REGEXP_EXTRACT\(\): Invalid regular expression/);
    expect(fails("SPLIT_INDEX(url, '/', -1)")).toThrow(/index must be a non-negative integer literal/);
    expect(fails("HOUR(url)")).toThrow(/HOUR\(\) needs a timestamp/);
  });
});
