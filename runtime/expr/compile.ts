import type { FieldType } from "../contract/spec/schema.js";
import { columnNames, type Expr } from "./ast.js";
import { compileCall } from "./compile-calls.js";
import { liftDictionary } from "./dictionary.js";
import { ExprError } from "./errors.js";
import { arith, negate } from "./eval-arith.js";
import { cast, parseTimestamp } from "./eval-cast.js";
import { choose, pickRest, pickWhere, UNSET } from "./eval-choose.js";
import { compare } from "./eval-compare.js";
import { inList } from "./eval-in.js";
import { compileLike } from "./eval-like.js";
import { and3, isTest, not3, or3 } from "./eval-logic.js";
import { concat } from "./eval-strings.js";
import { constantNode, kernelNode, type Node, shared } from "./node.js";
import { arithmeticType, commonType, comparisonDomain, isNumeric, kindOf, requireType, type SqlType } from "./types.js";
import { broadcast, type Operand, type StrVec, scalar } from "./vec.js";

/** A column as the compiler sees it. */
export interface ColumnInfo {
  name: string;
  type: FieldType;
  dictionary: boolean;
}

/** Turns an expression tree into closures over whole columns, checking types on the way. */
export class Compiler {
  constructor(
    readonly sql: string,
    readonly columns: ColumnInfo[],
  ) {}

  fail(what: string): never {
    throw new ExprError(`SQL expression \`${this.sql}\`: ${what}`);
  }

  get where(): string {
    return `SQL expression \`${this.sql}\``;
  }

  resolve(name: string): number {
    const exact = this.columns.findIndex((c) => c.name === name);
    if (exact >= 0) return exact;
    const folded = this.columns
      .map((c, i) => [c.name.toLowerCase(), i] as const)
      .filter(([n]) => n === name.toLowerCase());
    if (folded.length === 1) return folded[0][1];
    const names = this.columns.map((c) => c.name);
    const near = names.filter((n) => editDistance(n.toLowerCase(), name.toLowerCase()) <= 2);
    const hint = near.length > 0 ? `; did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : "";
    return this.fail(`unknown column \`${name}\` (columns: ${names.join(", ")})${hint}`);
  }

  compile(e: Expr): Node {
    if (e.kind !== "column" && e.kind !== "literal") {
      const used = [...columnNames(e)].map((n) => this.resolve(n));
      if (used.length === 1 && this.columns[used[0]].dictionary) return this.lifted(e, used[0]);
    }
    return this.compileNode(e);
  }

  private lifted(e: Expr, column: number): Node {
    const plainColumns = this.columns.map((c, i) => (i === column ? { ...c, dictionary: false } : c));
    // Compiled as if the column were plain utf8, so it does not lift again.
    return liftDictionary(new Compiler(this.sql, plainColumns).compile(e), column);
  }

  /** Compiles without considering dictionary lifting at this node (its children still may). */
  compileNode(e: Expr): Node {
    switch (e.kind) {
      case "column": {
        const index = this.resolve(e.name);
        const c = this.columns[index];
        return { type: c.type, constant: null, dict: c.dictionary, eval: (src) => src.column(index) };
      }
      case "literal": {
        const v = e.value;
        const type: SqlType =
          v === null
            ? "null"
            : typeof v === "string"
              ? "utf8"
              : typeof v === "boolean"
                ? "bool"
                : e.float
                  ? "float64"
                  : "int64";
        return constantNode(type, scalar(v));
      }
      case "neg": {
        const a = this.compile(e.arg);
        requireType(a.type, isNumeric, "unary minus needs a number", this.where);
        return kernelNode(a.type === "float64" ? "float64" : a.type === "null" ? "null" : "int64", [a], ([x], n) =>
          negate(x, n),
        );
      }
      case "not": {
        const a = this.bool(e.arg, "NOT");
        return kernelNode("bool", [a], ([x], n) => not3(x, n));
      }
      case "logic": {
        const l = this.bool(e.left, e.op);
        const r = this.bool(e.right, e.op);
        return kernelNode("bool", [l, r], ([x, y], n) => (e.op === "AND" ? and3(x, y, n) : or3(x, y, n)));
      }
      case "arith": {
        const l = this.compile(e.left);
        const r = this.compile(e.right);
        const type = arithmeticType(e.op, l.type, r.type, this.where);
        return kernelNode(type, [l, r], ([x, y], n) => arith(e.op, x, y, n, type !== "float64"));
      }
      case "compare":
        return this.comparison(e.op, this.compile(e.left), this.compile(e.right));
      case "concat":
        return kernelNode("utf8", [this.text(e.left), this.text(e.right)], (args, n) => concat(args, false, n));
      case "is": {
        const a = e.what === "NULL" ? this.compile(e.arg) : this.bool(e.arg, `IS ${e.what}`);
        return kernelNode("bool", [a], ([x], n) => isTest(x, e.what, e.negated, n));
      }
      case "in":
        return this.inList(e.arg, e.list, e.negated);
      case "between": {
        const a = shared(this.compile(e.arg));
        const ge = this.comparison(">=", a, this.compile(e.low));
        const le = this.comparison("<=", a, this.compile(e.high));
        const range = kernelNode("bool", [ge, le], ([x, y], n) => and3(x, y, n));
        return e.negated ? kernelNode("bool", [range], ([x], n) => not3(x, n)) : range;
      }
      case "like":
        return this.like(e);
      case "case":
        return this.caseWhen(e);
      case "cast": {
        const a = this.compile(e.arg);
        if ((a.type === "bool" && e.to === "timestamp[ms]") || (a.type === "timestamp[ms]" && e.to === "bool"))
          this.fail(`cannot CAST ${a.type} to ${e.target}`);
        return kernelNode(e.to, [a], ([x], n) => cast(x, a.type, e.to, n));
      }
      case "call":
        return compileCall(this, e.name, e.args);
    }
  }

  bool(e: Expr, what: string): Node {
    const n = this.compile(e);
    requireType(n.type, (t) => t === "bool", `${what} needs a boolean operand`, this.where);
    return n;
  }

  /** A string operand: other types are converted with CAST(x AS VARCHAR), as PostgreSQL's || does. */
  text(e: Expr): Node {
    const n = this.compile(e);
    if (n.type === "utf8" || n.type === "null") return n;
    return kernelNode("utf8", [n], ([x], len) => cast(x, n.type, "utf8", len));
  }

  comparison(op: "=" | "<>" | "<" | "<=" | ">" | ">=", l: Node, r: Node): Node {
    [l, r] = [this.timestampLiteral(l, r), this.timestampLiteral(r, l)];
    const domain = comparisonDomain(l.type, r.type, this.where);
    return kernelNode("bool", [l, r], ([x, y], n) => compare(op, x, y, n, domain));
  }

  /** A string constant compared with a timestamp is read as a timestamp ('2024-01-01 12:00:00'). */
  timestampLiteral(n: Node, other: Node): Node {
    if (other.type !== "timestamp[ms]" || n.type !== "utf8" || !n.constant || n.constant.value === null) return n;
    const ms = parseTimestamp(String(n.constant.value));
    if (ms === null)
      this.fail(`cannot read '${String(n.constant.value)}' as a timestamp (use ISO 8601, e.g. '2024-01-31 12:00:00')`);
    return constantNode("timestamp[ms]", scalar(ms));
  }

  private inList(argExpr: Expr, list: Expr[], negated: boolean): Node {
    const a = shared(this.compile(argExpr));
    const items = list.map((x) => this.timestampLiteral(this.compile(x), a));
    let domain: "num" | "str" | "bool" = kindOf(a.type);
    for (const it of items) domain = comparisonDomain(a.type, it.type, this.where);
    let node: Node;
    if (items.every((it) => it.constant)) {
      const consts = items.map((it) => it.constant!);
      node = kernelNode("bool", [a], ([x], n) => inList(x, consts, domain, n));
    } else {
      node = items
        .map((it) => this.comparison("=", a, it))
        .reduce((acc, eq) => kernelNode("bool", [acc, eq], ([x, y], n) => or3(x, y, n)));
    }
    return negated ? kernelNode("bool", [node], ([x], n) => not3(x, n)) : node;
  }

  private like(e: Extract<Expr, { kind: "like" }>): Node {
    const p = this.compile(e.pattern);
    if (!p.constant || (p.type !== "utf8" && p.type !== "null")) this.fail("the LIKE pattern must be a string literal");
    const arg: Expr = e.caseInsensitive ? { kind: "call", name: "LOWER", args: [e.arg] } : e.arg;
    const a = this.compile(arg);
    requireType(a.type, (t) => t === "utf8", "LIKE needs a string on the left", this.where);
    if (p.constant.value === null) return constantNode("bool", scalar(null));
    const pattern = String(p.constant.value);
    const match = compileLike(e.caseInsensitive ? pattern.toLowerCase() : pattern);
    const node = kernelNode("bool", [a], ([x], n) =>
      match((x.kind === "scalar" ? broadcast(x, "str", n) : x) as StrVec),
    );
    return e.negated ? kernelNode("bool", [node], ([x], n) => not3(x, n)) : node;
  }

  private caseWhen(e: Extract<Expr, { kind: "case" }>): Node {
    const operand = e.operand ? shared(this.compile(e.operand)) : null;
    const conds = e.whens.map((w) =>
      operand ? this.comparison("=", operand, this.compile(w.when)) : this.bool(w.when, "WHEN"),
    );
    const branches = e.whens.map((w) => this.compile(w.then));
    if (e.otherwise) branches.push(this.compile(e.otherwise));
    const type = commonType(
      branches.map((b) => b.type),
      `${this.where}: CASE`,
    );
    if (type === "null") return constantNode("null", scalar(null));
    const m = conds.length;
    const fallback = e.otherwise ? m : -1;
    return kernelNode(type, [...conds, ...branches], (args: Operand[], n) => {
      const pick = new Int32Array(n).fill(UNSET);
      for (let i = 0; i < m; i++) pickWhere(args[i], i, pick, n);
      pickRest(pick, fallback, n);
      return choose(args.slice(m), pick, kindOf(type), n);
    });
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}
