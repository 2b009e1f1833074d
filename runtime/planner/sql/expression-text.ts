import { intervalMillis } from "./interval.js";
import { resolveJoinColumn } from "./join-scope.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childrenOf, pathOf, positionOf, ruleOf, type SqlNode, tokensOf } from "./tree.js";
import { unsupportedHint } from "./unsupported.js";

/** What an expression may reference, and parts already compiled to a column (aggregates). */
export interface ExprScope {
  relation: Relation;
  replaced?: Map<SqlNode, string>;
}

const COLUMN_RULES = new Set(["columnNamePath", "columnName"]);

/**
 * A Flink SQL expression (a parse tree) as the text runtime/expr compiles: columns resolved and
 * quoted, qualifiers checked and dropped, `INTERVAL 'n' UNIT` as milliseconds (runtime/expr adds
 * milliseconds to timestamps), backquoted names double-quoted. Everything else is passed token
 * by token, so runtime/expr stays the one place that types and evaluates expressions.
 */
export function expressionText(n: SqlNode, scope: ExprScope): string {
  const replaced = scope.replaced?.get(n);
  if (replaced !== undefined) return quoteName(replaced);
  if (n.symbol) {
    const t = n.symbol.text ?? "";
    return t.startsWith("`") ? quoteName(t.slice(1, -1).replace(/``/g, "`")) : t;
  }
  const rule = ruleOf(n) ?? "";
  if (COLUMN_RULES.has(rule)) return columnText(n, scope.relation);
  if (rule === "timeIntervalExpression") return String(intervalMillis(n));
  if (rule === "comparisonOperator") return tokensOf(n).join(""); // `>` `=` lexed apart
  const refused = unsupportedHint(n);
  if (refused) throw refused;
  return childrenOf(n)
    .map((c) => expressionText(c, scope))
    .join(" ");
}

/** A column reference, checked against the relation. */
export function resolveColumn(n: SqlNode, relation: Relation): string {
  if (relation.scoped) return resolveJoinColumn(n, relation.scoped);
  const parts = pathOf(n);
  const name = parts[parts.length - 1];
  if (parts.length > 2 || (parts.length === 2 && !relation.qualifiers.includes(parts[0])))
    throw new SqlError(
      positionOf(n),
      `unknown table or alias ${parts.slice(0, -1).join(".")}`,
      relation.qualifiers.length ? `in scope: ${relation.qualifiers.join(", ")}` : "the FROM clause names no alias",
    );
  if (!relation.columns.includes(name) && !relation.virtual?.[name])
    throw new SqlError(positionOf(n), `unknown column ${name}`, `columns: ${relation.columns.join(", ")}`);
  return name;
}

function columnText(n: SqlNode, relation: Relation): string {
  const name = resolveColumn(n, relation);
  const virtual = relation.virtual?.[name];
  return virtual !== undefined && !relation.columns.includes(name) ? `(${virtual})` : quoteName(name);
}

/** Whether n is a bare column reference (possibly under single-child wrappers); its node if so. */
export function bareColumn(n: SqlNode): SqlNode | undefined {
  let cur: SqlNode | undefined = n;
  while (cur && !COLUMN_RULES.has(ruleOf(cur) ?? "")) {
    const kids = childrenOf(cur);
    cur = kids.length === 1 ? kids[0] : undefined;
  }
  return cur;
}
