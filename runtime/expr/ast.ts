import type { FieldType } from "../contract/spec/schema.js";

/**
 * Sabot's own expression tree: what parse.ts makes of node-sql-parser's AST. Small and closed, so
 * the type checker and compiler can switch over it exhaustively.
 */
export type Expr =
  | { kind: "column"; name: string }
  | { kind: "literal"; value: number | string | boolean | null; float?: boolean }
  | { kind: "neg"; arg: Expr }
  | { kind: "not"; arg: Expr }
  | { kind: "arith"; op: ArithOp; left: Expr; right: Expr }
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr }
  | { kind: "logic"; op: "AND" | "OR"; left: Expr; right: Expr }
  | { kind: "concat"; left: Expr; right: Expr }
  | { kind: "is"; arg: Expr; what: "NULL" | "TRUE" | "FALSE"; negated: boolean }
  | { kind: "in"; arg: Expr; list: Expr[]; negated: boolean }
  | { kind: "between"; arg: Expr; low: Expr; high: Expr; negated: boolean }
  | { kind: "like"; arg: Expr; pattern: Expr; negated: boolean; caseInsensitive: boolean }
  | { kind: "case"; operand: Expr | null; whens: { when: Expr; then: Expr }[]; otherwise: Expr | null }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "cast"; arg: Expr; to: FieldType; target: string };

export type ArithOp = "+" | "-" | "*" | "/" | "%";
export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">=";

/** Names of the columns an expression reads (each once). */
export function columnNames(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.kind) {
    case "column":
      out.add(e.name);
      break;
    case "literal":
      break;
    case "neg":
    case "not":
    case "is":
    case "cast":
      columnNames(e.arg, out);
      break;
    case "arith":
    case "compare":
    case "logic":
    case "concat":
      columnNames(e.left, out);
      columnNames(e.right, out);
      break;
    case "in":
      columnNames(e.arg, out);
      for (const x of e.list) columnNames(x, out);
      break;
    case "between":
      for (const x of [e.arg, e.low, e.high]) columnNames(x, out);
      break;
    case "like":
      columnNames(e.arg, out);
      columnNames(e.pattern, out);
      break;
    case "case":
      if (e.operand) columnNames(e.operand, out);
      for (const w of e.whens) columnNames(w.when, columnNames(w.then, out));
      if (e.otherwise) columnNames(e.otherwise, out);
      break;
    case "call":
      for (const x of e.args) columnNames(x, out);
      break;
  }
  return out;
}
