import type { FieldType } from "../contract/spec/schema.js";
import type { ArithOp } from "./ast.js";
import { ExprError } from "./errors.js";

/**
 * SQL typing rules. `null` is the type of a bare NULL literal: it fits anywhere and takes the
 * type its context asks for. int32 and int64 meet as int64, integers and float64 as float64;
 * timestamp[ms] is epoch milliseconds, so it compares with integers and moves by integers.
 */
export type SqlType = FieldType | "null";

export function isNumeric(t: SqlType): boolean {
  return t === "int32" || t === "int64" || t === "float64";
}

export function isInteger(t: SqlType): boolean {
  return t === "int32" || t === "int64";
}

/** The vector kind that carries a type at run time. */
export function kindOf(t: SqlType): "num" | "bool" | "str" {
  if (t === "utf8") return "str";
  if (t === "bool") return "bool";
  return "num";
}

/** Numeric promotion of two numeric types (or null). */
function promote(a: SqlType, b: SqlType): FieldType {
  if (a === "float64" || b === "float64") return "float64";
  return "int64";
}

export function arithmeticType(op: ArithOp, l: SqlType, r: SqlType, where: string): FieldType {
  const num = (t: SqlType) => isNumeric(t) || t === "null";
  if (num(l) && num(r)) return promote(l, r);
  const ts = "timestamp[ms]";
  const int = (t: SqlType) => isInteger(t) || t === "null";
  if (op === "+" && ((l === ts && int(r)) || (int(l) && r === ts))) return ts;
  if (op === "-" && l === ts && int(r)) return ts;
  if (op === "-" && l === ts && (r === ts || r === "null")) return "int64";
  throw new ExprError(
    `${where}: cannot apply ${op} to ${l} and ${r}` +
      (l === ts || r === ts
        ? " (timestamps take + or - with integer milliseconds; ts - ts gives milliseconds)"
        : " (operands must be numbers)"),
  );
}

/**
 * What two comparable types are compared as: numbers (including timestamps), strings or booleans.
 * `literalString` says the utf8 side is a constant, which may be read as a timestamp.
 */
export function comparisonDomain(l: SqlType, r: SqlType, where: string): "num" | "str" | "bool" {
  if (l === "null" && r === "null") return "num";
  if (l === "null" || r === "null") return kindOf(l === "null" ? r : l);
  if (isNumeric(l) && isNumeric(r)) return "num";
  const ts = "timestamp[ms]";
  if ((l === ts && (r === ts || isInteger(r))) || (r === ts && isInteger(l))) return "num";
  if (l === "utf8" && r === "utf8") return "str";
  if (l === "bool" && r === "bool") return "bool";
  const hint =
    l === ts || r === ts
      ? " (compare timestamps with timestamps, integer epoch milliseconds or a timestamp string like '2024-01-01 00:00:00')"
      : l === "utf8" || r === "utf8"
        ? " (use CAST to convert one side)"
        : "";
  throw new ExprError(`${where}: cannot compare ${l} with ${r}${hint}`);
}

/** The type that branches of CASE / COALESCE / NULLIF share. */
export function commonType(types: SqlType[], where: string): SqlType {
  const known = types.filter((t) => t !== "null");
  if (known.length === 0) return "null";
  if (known.every((t) => t === known[0])) return known[0];
  if (known.every(isNumeric)) return known.includes("float64") ? "float64" : "int64";
  const ts = "timestamp[ms]";
  if (known.every((t) => t === ts || isInteger(t))) return ts;
  throw new ExprError(
    `${where}: branches have incompatible types ${[...new Set(known)].join(" and ")}; use CAST to make them agree`,
  );
}

export function requireType(t: SqlType, ok: (t: SqlType) => boolean, what: string, where: string): void {
  if (t !== "null" && !ok(t)) throw new ExprError(`${where}: ${what}, got ${t}`);
}
