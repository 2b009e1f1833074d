import { DataType, type Dictionary, type Field, type Schema } from "apache-arrow";
import nodeSqlParser from "node-sql-parser";

/**
 * Parses the `aggregate:` strings of a window step ("count(*) AS bids", "sum(price) AS total",
 * "count(distinct bidder)") with node-sql-parser, and checks them against the input schema.
 * Arguments are plain column names (or `*` for count); expressions belong in a `select` step before
 * the window.
 */

export type AggregateFunction = "count" | "sum" | "avg" | "min" | "max" | "count_distinct";

export interface AggregateSpec {
  fn: AggregateFunction;
  /** Input column index; -1 for count(*). */
  column: number;
  /** Output column name (the AS alias, or e.g. `sum_price`). */
  name: string;
  /** The string it was parsed from, for messages and checkpoint compatibility. */
  text: string;
}

/** An aggregate that cannot be computed as written; the message says what to change. */
export class AggregateSpecError extends Error {
  constructor(operator: string, message: string) {
    super(`${operator}: ${message}`);
    this.name = "AggregateSpecError";
  }
}

const { Parser } = nodeSqlParser;
const parser = new Parser();
const NUMERIC = "int32, int64 or float64";

interface AstNode {
  type?: string;
  name?: unknown;
  column?: unknown;
  value?: unknown;
  expr?: AstNode;
  args?: AstNode & { distinct?: string | null };
}

function columnName(node: AstNode | undefined): string | null {
  if (node?.type !== "column_ref") return null;
  const c = node.column;
  if (typeof c === "string") return c;
  // Newer parser versions wrap the name: { expr: { type: "default", value: "x" } }.
  const inner = (c as AstNode | undefined)?.expr?.value;
  return typeof inner === "string" ? inner : null;
}

function parseOne(
  operator: string,
  text: string,
): { fn: string; arg: string | null; distinct: boolean; alias: string | null } {
  // The parser rejects DISTINCT outside count with a grammar message; say what is supported instead.
  const distinctFn = /^\s*(\w+)\s*\(\s*distinct\b/i.exec(text)?.[1];
  if (distinctFn !== undefined && distinctFn.toLowerCase() !== "count")
    throw new AggregateSpecError(operator, `"${text}": DISTINCT is supported in count(distinct x) only`);
  let ast: unknown;
  try {
    ast = parser.astify(`SELECT ${text} FROM t`);
  } catch (err) {
    throw new AggregateSpecError(
      operator,
      `cannot parse aggregate "${text}": ${(err as Error).message.split("\n")[0]}`,
    );
  }
  const select = (Array.isArray(ast) ? ast[0] : ast) as { columns?: { expr: AstNode; as: string | null }[] };
  const cols = select.columns ?? [];
  if (cols.length !== 1)
    throw new AggregateSpecError(operator, `"${text}" holds ${cols.length} aggregates; write one per list item`);
  const { expr, as } = cols[0];
  if (expr.type !== "aggr_func" || typeof expr.name !== "string")
    throw new AggregateSpecError(
      operator,
      `"${text}" is not an aggregate: use count, sum, avg, min, max or count(distinct x)`,
    );
  const args = expr.args;
  const distinct = typeof args?.distinct === "string" && args.distinct.toUpperCase() === "DISTINCT";
  const argExpr = args?.expr;
  let arg: string | null;
  if (argExpr?.type === "star") arg = null;
  else {
    arg = columnName(argExpr) ?? columnName(argExpr?.expr);
    if (arg === null)
      throw new AggregateSpecError(
        operator,
        `the argument of "${text}" must be a column name; compute expressions in a select step first`,
      );
    if (arg === "*") arg = null;
  }
  return { fn: expr.name.toLowerCase(), arg, distinct, alias: as };
}

function typeName(f: Field): string {
  return DataType.isDictionary(f.type) ? "utf8 (dictionary)" : String(f.type);
}
const isUtf8 = (t: DataType) =>
  DataType.isUtf8(t) || (DataType.isDictionary(t) && DataType.isUtf8((t as Dictionary).dictionary));
const isNumeric = (t: DataType) => DataType.isInt(t) || DataType.isFloat(t);

/** Parses and type-checks every aggregate; `reserved` names (keys, window bounds) are taken. */
export function parseAggregates(
  operator: string,
  texts: string[],
  schema: Schema,
  reserved: string[],
): AggregateSpec[] {
  const taken = new Set(reserved);
  return texts.map((text) => {
    const p = parseOne(operator, text);
    let column = -1;
    let field: Field | null = null;
    if (p.arg !== null) {
      column = schema.fields.findIndex((f) => f.name === p.arg);
      if (column < 0)
        throw new AggregateSpecError(
          operator,
          `"${text}" uses unknown column "${p.arg}" (columns: ${schema.fields.map((f) => f.name).join(", ")})`,
        );
      field = schema.fields[column];
    }
    let fn: AggregateFunction;
    if (p.distinct) {
      if (p.fn !== "count")
        throw new AggregateSpecError(operator, `"${text}": DISTINCT is supported in count(distinct x) only`);
      if (field === null)
        throw new AggregateSpecError(operator, `"${text}": count(distinct ...) needs a column, not *`);
      fn = "count_distinct";
    } else if (p.fn === "count" || p.fn === "sum" || p.fn === "avg" || p.fn === "min" || p.fn === "max") {
      fn = p.fn;
    } else {
      throw new AggregateSpecError(
        operator,
        `"${text}": unsupported function ${p.fn}(); use count, sum, avg, min, max or count(distinct x)`,
      );
    }
    if (field === null && fn !== "count") throw new AggregateSpecError(operator, `"${text}": only count accepts *`);
    if (field !== null && (fn === "sum" || fn === "avg") && !isNumeric(field.type))
      throw new AggregateSpecError(
        operator,
        `"${text}": ${fn} needs a ${NUMERIC} column, but "${field.name}" is ${typeName(field)}`,
      );
    if (
      field !== null &&
      !isNumeric(field.type) &&
      !isUtf8(field.type) &&
      !DataType.isBool(field.type) &&
      !DataType.isTimestamp(field.type)
    )
      throw new AggregateSpecError(
        operator,
        `"${text}": column "${field.name}" has unsupported type ${typeName(field)}`,
      );
    const name = p.alias ?? defaultName(fn, p.arg);
    if (taken.has(name))
      throw new AggregateSpecError(
        operator,
        `"${text}": output column "${name}" already exists; give it another name with AS`,
      );
    taken.add(name);
    return { fn, column, name, text };
  });
}

function defaultName(fn: AggregateFunction, arg: string | null): string {
  if (arg === null) return "count";
  return fn === "count_distinct" ? `count_distinct_${arg}` : `${fn}_${arg}`;
}
