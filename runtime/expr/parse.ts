import type { FieldType } from "../contract/spec/schema.js";
import type { CompareOp, Expr } from "./ast.js";
import { ExprError } from "./errors.js";
import { parseSelectList, type RawNode } from "./sql-parser.js";

/** Parses one SQL expression (no alias) into Sabot's expression tree. */
export function parseExpression(sql: string): Expr {
  const items = parseSelectList(sql);
  if (items.length !== 1) throw new ExprError(`\`${sql}\`: expected one expression, found ${items.length}`);
  if (items[0].as !== null) throw new ExprError(`\`${sql}\`: an alias (AS ${items[0].as}) is not allowed here`);
  return new Converter(sql).convert(items[0].expr);
}

/**
 * Splits a select item into expression text and output name. `price * 0.908 AS price_eur` names
 * its result; a bare column keeps its name; any other expression must be named.
 */
export function parseSelectItem(sql: string): { expr: string; alias: string } {
  const items = parseSelectList(sql);
  if (items.length !== 1)
    throw new ExprError(
      `select item \`${sql}\`: expected one expression, found ${items.length}; use one list entry per column`,
    );
  const { expr, as } = items[0];
  const tree = new Converter(sql).convert(expr);
  if (as !== null) return { expr: stripAlias(sql, as), alias: as };
  if (tree.kind === "column") return { expr: sql.trim(), alias: tree.name };
  throw new ExprError(`select item \`${sql.trim()}\` needs a name: write \`${sql.trim()} AS <name>\``);
}

function stripAlias(sql: string, alias: string): string {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const forms = [esc(alias), `"${esc(alias.replace(/"/g, '""'))}"`, `\`${esc(alias)}\``];
  const m = new RegExp(`\\s+(?:AS\\s+)?(?:${forms.join("|")})\\s*$`, "i").exec(sql);
  if (!m) throw new ExprError(`select item \`${sql}\`: cannot find the alias ${alias}; write \`<expr> AS ${alias}\``);
  return sql.slice(0, m.index).trim();
}

const COMPARE: Record<string, CompareOp> = {
  "=": "=",
  "<>": "<>",
  "!=": "<>",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

const CAST_TARGETS: Record<string, FieldType> = {
  BIGINT: "int64",
  INT8: "int64",
  LONG: "int64",
  INT: "int32",
  INTEGER: "int32",
  INT4: "int32",
  DOUBLE: "float64",
  "DOUBLE PRECISION": "float64",
  FLOAT: "float64",
  FLOAT8: "float64",
  REAL: "float64",
  VARCHAR: "utf8",
  TEXT: "utf8",
  STRING: "utf8",
  CHAR: "utf8",
  CHARACTER: "utf8",
  BOOLEAN: "bool",
  BOOL: "bool",
  TIMESTAMP: "timestamp[ms]",
};

type Token = { op: "AND" | "OR" | "NOT" } | { expr: RawNode };

class Converter {
  constructor(private readonly sql: string) {}

  private fail(what: string): never {
    throw new ExprError(`SQL expression \`${this.sql}\`: ${what}`);
  }

  convert(n: RawNode): Expr {
    switch (n.type) {
      case "column_ref":
        return this.column(n);
      case "double_quote_string":
      case "backticks_quote_string":
        return { kind: "column", name: String(n.value) }; // "x" is an identifier in standard SQL
      case "number":
      case "bigint":
        return this.number(n.value);
      case "single_quote_string":
      case "string":
        return { kind: "literal", value: String(n.value).replace(/''/g, "'") };
      case "bool":
        return { kind: "literal", value: n.value === true };
      case "null":
        return { kind: "literal", value: null };
      case "timestamp":
        return {
          kind: "cast",
          arg: { kind: "literal", value: String(n.value) },
          to: "timestamp[ms]",
          target: "TIMESTAMP",
        };
      case "unary_expr":
      case "binary_expr":
        return n.operator === "AND" || n.operator === "OR" || n.operator === "NOT" || n.operator === "!"
          ? this.logic(n)
          : n.type === "unary_expr"
            ? this.unary(n)
            : this.binary(n);
      case "function":
        return this.func(n);
      case "aggr_func":
        return this.fail(`aggregate ${String(n.name)}() is not allowed in an expression; use an \`aggregate\` step`);
      case "case":
        return this.caseExpr(n);
      case "cast":
        return this.cast(n);
      case "expr_list":
        if (Array.isArray(n.value) && n.value.length === 1) return this.convert(n.value[0] as RawNode);
        return this.fail("a parenthesized list is only allowed after IN");
      case "star":
        return this.fail("`*` is not an expression");
      case "interval":
        return this.fail("INTERVAL is not supported; add milliseconds to timestamps (ts + 60000)");
      default:
        // A parenthesized SELECT comes back as a node without a type, holding the query in `ast`.
        return this.fail(
          n.ast !== undefined ? "subqueries are not supported" : `unsupported syntax (${String(n.type)})`,
        );
    }
  }

  private column(n: RawNode): Expr {
    const c = n.column as string | { expr?: RawNode };
    const name = typeof c === "string" ? c : String(c?.expr?.value ?? "");
    if (name === "*") this.fail("`*` is not an expression");
    const qualifier = [n.schema, n.table].filter((x) => typeof x === "string" && x !== "").join(".");
    return { kind: "column", name: qualifier ? `${qualifier}.${name}` : name };
  }

  private number(v: unknown): Expr {
    const text = String(v);
    const x = Number(text);
    if (!Number.isFinite(x)) this.fail(`number ${text} is out of range`);
    const float = /[.eE]/.test(text);
    if (!float && !Number.isSafeInteger(x)) this.fail(`integer ${text} is too large (limit ±2^53)`);
    return { kind: "literal", value: x, float };
  }

  /**
   * AND / OR / NOT. node-sql-parser ignores their relative precedence (it parses `a OR b AND c`
   * as `(a OR b) AND c` in some positions, and `a AND b OR c` as `a AND (b OR c)` in others), so we
   * flatten each unparenthesized chain back into source order and regroup it with SQL precedence:
   * NOT binds tighter than AND, AND tighter than OR.
   */
  private logic(n: RawNode): Expr {
    const tokens: Token[] = [];
    this.flatten(n, tokens, true);
    let pos = 0;
    const orExpr = (): Expr => {
      let e = andExpr();
      while (pos < tokens.length && "op" in tokens[pos] && (tokens[pos] as { op: string }).op === "OR") {
        pos++;
        e = { kind: "logic", op: "OR", left: e, right: andExpr() };
      }
      return e;
    };
    const andExpr = (): Expr => {
      let e = notExpr();
      while (pos < tokens.length && "op" in tokens[pos] && (tokens[pos] as { op: string }).op === "AND") {
        pos++;
        e = { kind: "logic", op: "AND", left: e, right: notExpr() };
      }
      return e;
    };
    const notExpr = (): Expr => {
      const t = tokens[pos++];
      if (!t) this.fail("incomplete AND/OR/NOT expression");
      if ("op" in t) {
        if (t.op !== "NOT") this.fail(`unexpected ${t.op}`);
        return { kind: "not", arg: notExpr() };
      }
      return this.convert(t.expr);
    };
    const e = orExpr();
    if (pos !== tokens.length) this.fail("cannot group AND/OR/NOT");
    return e;
  }

  private flatten(n: RawNode, out: Token[], top: boolean): void {
    const op = n.operator;
    const grouped = n.parentheses === true && !top;
    if (!grouped && n.type === "binary_expr" && (op === "AND" || op === "OR")) {
      this.flatten(n.left as RawNode, out, false);
      out.push({ op });
      this.flatten(n.right as RawNode, out, false);
    } else if (!grouped && n.type === "unary_expr" && (op === "NOT" || op === "!")) {
      out.push({ op: "NOT" });
      this.flatten(n.expr as RawNode, out, false);
    } else {
      out.push({ expr: n });
    }
  }

  private unary(n: RawNode): Expr {
    const arg = this.convert(n.expr as RawNode);
    if (n.operator === "-") return { kind: "neg", arg };
    if (n.operator === "+") return arg;
    return this.fail(`unsupported operator ${String(n.operator)}`);
  }

  private binary(n: RawNode): Expr {
    const op = String(n.operator).toUpperCase();
    const left = this.convert(n.left as RawNode);
    const right = n.right as RawNode;
    if (op in COMPARE) return { kind: "compare", op: COMPARE[op], left, right: this.convert(right) };
    switch (op) {
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        return { kind: "arith", op, left, right: this.convert(right) };
      case "||":
        return { kind: "concat", left, right: this.convert(right) };
      case "IS":
      case "IS NOT": {
        const what = right.type === "null" ? "NULL" : right.type === "bool" ? (right.value ? "TRUE" : "FALSE") : null;
        if (!what) this.fail(`${op} must be followed by NULL, TRUE or FALSE`);
        return { kind: "is", arg: left, what, negated: op === "IS NOT" };
      }
      case "IN":
      case "NOT IN":
        return { kind: "in", arg: left, list: this.list(right, op), negated: op === "NOT IN" };
      case "BETWEEN":
      case "NOT BETWEEN": {
        const [low, high] = this.list(right, op);
        return { kind: "between", arg: left, low, high, negated: op === "NOT BETWEEN" };
      }
      case "LIKE":
      case "NOT LIKE":
      case "ILIKE":
      case "NOT ILIKE":
        return {
          kind: "like",
          arg: left,
          pattern: this.convert(right),
          negated: op.startsWith("NOT"),
          caseInsensitive: op.endsWith("ILIKE"),
        };
      default:
        return this.fail(`unsupported operator ${op}`);
    }
  }

  private list(n: RawNode, op: string): Expr[] {
    if (n.type !== "expr_list" || !Array.isArray(n.value)) this.fail(`${op} needs a list of values, e.g. ${op} (1, 2)`);
    const items = n.value as RawNode[];
    if (items.some((x) => x.ast !== undefined || x.type === "select"))
      this.fail(`subqueries are not supported in ${op}`);
    return items.map((x) => this.convert(x));
  }

  private func(n: RawNode): Expr {
    const parts = ((n.name as { name?: { value?: unknown }[] })?.name ?? []).map((p) => String(p.value));
    const name = parts.join(".").toUpperCase();
    const rawArgs = ((n.args as RawNode | undefined)?.value ?? []) as RawNode[];
    // PostgreSQL's grammar reads `NOT (a OR b)` as a call of a function named NOT.
    if (name === "NOT" && rawArgs.length === 1) return { kind: "not", arg: this.convert(rawArgs[0]) };
    const keywords = rawArgs.filter((a) => a.type === "origin").map((a) => String(a.value).toUpperCase());
    const args = rawArgs.filter((a) => a.type !== "origin").map((a) => this.convert(a));
    if (name === "TRIM" && keywords.length > 0) {
      // TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)
      const side = keywords.find((k) => k === "BOTH" || k === "LEADING" || k === "TRAILING") ?? "BOTH";
      const fn = side === "LEADING" ? "LTRIM" : side === "TRAILING" ? "RTRIM" : "TRIM";
      return { kind: "call", name: fn, args: args.length === 2 ? [args[1], args[0]] : args };
    }
    if ((name === "SUBSTRING" || name === "SUBSTR") && keywords.length > 0) {
      if (keywords[0] !== "FROM") this.fail("write SUBSTRING(s FROM start [FOR length])");
      return { kind: "call", name: "SUBSTRING", args };
    }
    if (keywords.length > 0) this.fail(`unsupported syntax in ${name}(...)`);
    return { kind: "call", name, args };
  }

  private caseExpr(n: RawNode): Expr {
    const operand = n.expr ? this.convert(n.expr as RawNode) : null;
    const whens: { when: Expr; then: Expr }[] = [];
    let otherwise: Expr | null = null;
    for (const a of n.args as RawNode[]) {
      if (a.type === "when")
        // biome-ignore lint/suspicious/noThenProperty: a CASE branch's `then`, never awaited
        whens.push({ when: this.convert(a.cond as RawNode), then: this.convert(a.result as RawNode) });
      else otherwise = this.convert(a.result as RawNode);
    }
    return { kind: "case", operand, whens, otherwise };
  }

  private cast(n: RawNode): Expr {
    const target = (n.target as { dataType?: string; length?: number }[] | undefined)?.[0];
    let name = String(target?.dataType ?? "").toUpperCase();
    if (name === "INT" && target?.length === 8) name = "INT8"; // PostgreSQL's grammar splits INT8 into INT + 8
    const to = CAST_TARGETS[name];
    if (!to)
      this.fail(
        `cannot CAST to ${name}: use one of BIGINT, INT, INTEGER, DOUBLE, FLOAT, VARCHAR, TEXT, STRING, BOOLEAN, TIMESTAMP`,
      );
    return { kind: "cast", arg: this.convert(n.expr as RawNode), to, target: name };
  }
}
