import { describe, expect, it } from "vitest";
import { compileExpression } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { checkExpr, div, mod, type Row, roundRef, strict, type V } from "./harness.js";

const n = (v: V) => Number(v);

describe("arithmetic matches a row-at-a-time reference", () => {
  const cases: [string, (r: Row) => V][] = [
    ["i + j", (r) => strict((a, b) => n(a) + n(b))(r.i, r.j)],
    ["i - l", (r) => strict((a, b) => n(a) - n(b))(r.i, r.l)],
    ["i * j * 3", (r) => strict((a, b) => n(a) * n(b) * 3)(r.i, r.j)],
    ["x * 0.908", (r) => strict((a) => n(a) * 0.908)(r.x)],
    ["x + y * 2 - 1.5", (r) => strict((a, b) => n(a) + n(b) * 2 - 1.5)(r.x, r.y)],
    ["(x + y) * 2", (r) => strict((a, b) => (n(a) + n(b)) * 2)(r.x, r.y)],
    ["i - j - 1", (r) => strict((a, b) => n(a) - n(b) - 1)(r.i, r.j)],
    ["i / j", (r) => div(r.i, r.j, true)],
    ["l / 7", (r) => div(r.l, 7, true)],
    ["-7 / i", (r) => div(-7, r.i, true)],
    ["x / y", (r) => div(r.x, r.y, false)],
    ["i / 2.0", (r) => div(r.i, 2, false)],
    ["x / 0", () => null],
    ["i % j", (r) => mod(r.i, r.j)],
    ["l % 10", (r) => mod(r.l, 10)],
    ["x % 3", (r) => mod(r.x, 3)],
    ["MOD(i, 7)", (r) => mod(r.i, 7)],
    ["-i", (r) => strict((a) => -n(a))(r.i)],
    ["- x", (r) => strict((a) => -n(a))(r.x)],
    ["2 - -i", (r) => strict((a) => 2 + n(a))(r.i)],
    ["ts + 1000", (r) => strict((a) => n(a) + 1000)(r.ts)],
    ["ts - i", (r) => strict((a, b) => n(a) - n(b))(r.ts, r.i)],
    ["ts - ts", (r) => (r.ts === null ? null : 0)],
    ["i + NULL", () => null],
    ["ABS(i)", (r) => strict((a) => Math.abs(n(a)))(r.i)],
    ["ABS(x)", (r) => strict((a) => Math.abs(n(a)))(r.x)],
    ["ROUND(x)", (r) => roundRef(r.x)],
    ["ROUND(x, 2)", (r) => roundRef(r.x, 2)],
    ["ROUND(l, -2)", (r) => roundRef(r.l, -2)],
    ["ROUND(i / 3.0, 1)", (r) => roundRef(div(r.i, 3, false), 1)],
    ["FLOOR(x)", (r) => strict((a) => Math.floor(n(a)))(r.x)],
    ["CEIL(x)", (r) => strict((a) => Math.ceil(n(a)))(r.x)],
    ["CEILING(x / 7)", (r) => strict((a) => Math.ceil(n(a) / 7))(r.x)],
    ["FLOOR(i)", (r) => r.i],
    ["n * 2 + 1", (r) => n(r.n) * 2 + 1],
  ];
  for (const [sql, ref] of cases) it(sql, () => checkExpr(sql, ref));
});

describe("arithmetic result types", () => {
  const input = {
    schema: arrowSchema([
      { name: "i", type: "int32" },
      { name: "l", type: "int64" },
      { name: "x", type: "float64" },
      { name: "ts", type: "timestamp[ms]" },
    ]),
  };
  const typeOf = (sql: string) => compileExpression(sql, input).type;

  it("promotes int32 and int64 to int64, and anything with float64 to float64", () => {
    expect(typeOf("i + i")).toBe("int64");
    expect(typeOf("i * l")).toBe("int64");
    expect(typeOf("i / l")).toBe("int64");
    expect(typeOf("l + x")).toBe("float64");
    expect(typeOf("i * 0.5")).toBe("float64");
    expect(typeOf("-i")).toBe("int64");
    expect(typeOf("ABS(i)")).toBe("int64");
    expect(typeOf("ROUND(x, 1)")).toBe("float64");
  });

  it("moves timestamps by integer milliseconds and subtracts them into milliseconds", () => {
    expect(typeOf("ts + 1000")).toBe("timestamp[ms]");
    expect(typeOf("60000 + ts")).toBe("timestamp[ms]");
    expect(typeOf("ts - l")).toBe("timestamp[ms]");
    expect(typeOf("ts - ts")).toBe("int64");
  });
});
