import { bareColumn, resolveColumn } from "./expression-text.js";
import type { Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childOf, childrenOf, findRule, keywordOf, nameOf, positionOf, ruleOf, type SqlNode } from "./tree.js";

const AGGREGATES = new Set(["COUNT", "SUM", "AVG", "MIN", "MAX"]);

/** One aggregate call of a windowed query, as a window step's `aggregate` item. */
export interface AggregateCall {
  node: SqlNode;
  /** The output column of the window step that holds it. */
  name: string;
  text: string;
}

/** The aggregate calls under n (not inside other aggregates, which are refused). */
export function findAggregateCalls(n: SqlNode): SqlNode[] {
  if (ruleOf(n) === "functionCallExpression" && AGGREGATES.has(keywordOf(n))) return [n];
  return childrenOf(n).flatMap(findAggregateCalls);
}

/** An aggregate as the window step's text: `count(*) AS name`, `count(DISTINCT bidder) AS name`. */
/** The argument of an aggregate that is an expression (not `*`, not a column), if it is one. */
export function expressionArgument(call: SqlNode): SqlNode | undefined {
  const params = childrenOf(call, "functionParam");
  if (params.length !== 1 || params[0].getText() === "*" || bareColumn(params[0])) return undefined;
  return params[0];
}

/**
 * An aggregate as the window step's text. `argColumn` names the column an expression argument was
 * computed into by a select step before the window (`SUM(price * 2)`).
 */
export function aggregateCall(call: SqlNode, name: string, input: Relation, argColumn?: string): AggregateCall {
  const fn = keywordOf(call).toLowerCase();
  const distinct = childOf(call, "setQuantifier") ? "DISTINCT " : "";
  const params = childrenOf(call, "functionParam");
  if (params.length !== 1) throw new SqlError(positionOf(call), `${fn}() takes one argument`);
  if (findAggregateCalls(params[0]).length > 0)
    throw new SqlError(positionOf(params[0]), "an aggregate inside an aggregate is not allowed");
  const star = params[0].getText() === "*";
  const column = star ? undefined : bareColumn(params[0]);
  const arg = argColumn ? backquote(argColumn) : column ? backquote(resolveColumn(column, input)) : "*";
  return { node: call, name, text: `${fn}(${distinct}${arg}) AS ${backquote(name)}` };
}

/** The window step parses aggregates with node-sql-parser's default (MySQL) grammar: backquotes. */
function backquote(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** The alias of a select item (`expr AS name`, `col name`), if it has one. */
export function aliasOf(item: SqlNode): string | undefined {
  const alias = findRule(item, "columnAlias");
  if (alias) return nameOf(findRule(alias, "identifier")!);
  const direct = childrenOf(item).filter((c) => ruleOf(c) === "identifier");
  return direct.length > 0 ? nameOf(direct[direct.length - 1]) : undefined;
}
