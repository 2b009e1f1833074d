import { describe, expect, it } from "vitest";
import { compileExpression, compilePredicate, ExprError } from "../../../runtime/expr/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";

const input = {
  schema: arrowSchema([
    { name: "amount", type: "float64" },
    { name: "qty", type: "int32" },
    { name: "channel", type: "utf8", dictionary: true },
    { name: "name", type: "utf8" },
    { name: "ok", type: "bool" },
    { name: "ts", type: "timestamp[ms]" },
  ]),
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ExprError);
    return (e as Error).message;
  }
  throw new Error("expected an ExprError");
}
const compileError = (sql: string) => message(() => compileExpression(sql, input));

describe("error messages name the problem", () => {
  it("unknown column: lists the columns and suggests a near one", () => {
    expect(compileError("amout * 2")).toBe(
      "SQL expression `amout * 2`: unknown column `amout` (columns: amount, qty, channel, name, ok, ts); did you mean `amount`?",
    );
  });

  it("type mismatch in a comparison", () => {
    expect(compileError("name > 5")).toContain("cannot compare utf8 with int64");
    expect(compileError("qty = 'x'")).toContain("cannot compare int32 with utf8");
    expect(compileError("ts > 1.5")).toContain("cannot compare timestamp[ms] with float64");
  });

  it("arithmetic on strings or timestamps", () => {
    expect(compileError("name + 1")).toContain("cannot apply + to utf8 and int64");
    expect(compileError("ts * 2")).toContain("cannot apply * to timestamp[ms] and int64");
  });

  it("boolean operators on non-booleans", () => {
    expect(compileError("qty AND ok")).toContain("AND needs a boolean operand, got int32");
    expect(compileError("NOT name")).toContain("NOT needs a boolean operand, got utf8");
  });

  it("unsupported and aggregate functions", () => {
    expect(compileError("levenshtein(name, 'x')")).toContain("unsupported function LEVENSHTEIN()");
    expect(compileError("count(*)")).toContain("aggregate COUNT() is not allowed in an expression");
  });

  it("wrong argument counts and types", () => {
    expect(compileError("LOWER(name, 1)")).toContain("LOWER() takes 1 argument, got 2");
    expect(compileError("LOWER(qty)")).toContain("LOWER() needs a string, got int32");
    expect(compileError("ROUND(amount, qty)")).toContain("ROUND() digits must be an integer literal");
    expect(compileError("name LIKE name")).toContain("LIKE pattern must be a string literal");
  });

  it("syntax errors point at the position", () => {
    expect(compileError("amount * ")).toMatch(/syntax error in SQL expression `amount \* `/);
    expect(compileError("amount + (1")).toMatch(/syntax error/);
  });

  it("unreadable timestamp literals", () => {
    expect(compileError("ts > 'last tuesday'")).toContain("cannot read 'last tuesday' as a timestamp");
  });

  it("untyped NULL and unsupported CAST targets", () => {
    expect(compileError("NULL")).toContain("write CAST(NULL AS <type>)");
    expect(compileError("CAST(qty AS DECIMAL)")).toContain("cannot CAST to DECIMAL");
  });

  it("non-boolean filters", () => {
    expect(message(() => compilePredicate("amount * 2", input))).toBe(
      "filter `amount * 2` must be a boolean condition, but it is float64",
    );
  });

  it("subqueries and statements", () => {
    expect(compileError("qty IN (SELECT 1)")).toMatch(/subquer|unsupported|syntax/);
    expect(compileError("1; DROP TABLE x")).toContain("';' is not allowed");
  });
});
