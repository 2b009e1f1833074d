import type { AggregateCall } from "./aggregates.js";
import { aliasOf } from "./aggregates.js";
import { bareColumn, resolveColumn } from "./expression-text.js";
import { aggregateInputs } from "./group-by-aggregates.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childOf, childrenOf, positionOf, ruleOf, type SqlNode, tokensOf } from "./tree.js";

/** What an unbounded GROUP BY compiles from. */
export interface GroupByQuery {
  input: Relation;
  groupBy: SqlNode | undefined;
  having: SqlNode | undefined;
  calls: SqlNode[];
  selectList: SqlNode;
  label: string;
}

/** Where an upsert stream may go, for refusals (mirrors the planner's UPSERT_HINT). */
export const UPDATING_HINT =
  "write it to a 'print' table, or an 'upsert-kafka' table whose PRIMARY KEY is the GROUP BY key; to aggregate further, group by a window instead";

/**
 * GROUP BY without a window table function: keyBy + an `upsertAggregate` step, an updating
 * (upsert) result keyed by the GROUP BY columns. GROUP BY expressions (`DATE_FORMAT(ts, ...)`)
 * are computed as columns first, named after the select item that repeats them (`AS day`) so the
 * upsert key survives the projection; the select list's copies of them read those columns.
 */
export function upsertAggregate(
  ctx: QueryContext,
  q: GroupByQuery,
): { relation: Relation; replaced: Map<SqlNode, string> } {
  if (q.having)
    throw new SqlError(
      positionOf(q.having),
      "HAVING over a GROUP BY without a window is not supported yet: a key that stops passing would have to be deleted",
      UPDATING_HINT,
    );
  if (q.calls.length === 0)
    throw new SqlError(
      positionOf(q.groupBy ?? q.selectList),
      "GROUP BY without aggregates and without a window (an updating aggregate of distinct keys) is not supported yet",
      "add COUNT(*) to the select list",
    );
  const replaced = new Map<SqlNode, string>();
  const keyColumns: [SqlNode, string][] = [];
  const keys = (q.groupBy ? childrenOf(q.groupBy, "groupItemDefinition") : []).map((g, i) => {
    const col = bareColumn(g);
    if (col) return resolveColumn(col, q.input);
    const name = keyName(g, q.selectList, i);
    keyColumns.push([lastRule(g), name]);
    for (const copy of copiesOf(g, q.selectList)) replaced.set(copy, name);
    return name;
  });
  const args = aggregateInputs(ctx, { ...q, keyColumns }, q.input);
  let stream = args.relation.stream;
  if (keys.length > 0 || q.input.keyed)
    stream = ctx.addStep({ from: stream, keyBy: keys }, `${q.label}.keyBy`, positionOf(q.groupBy ?? q.selectList));
  stream = ctx.addStep(
    { from: stream, upsertAggregate: args.aggs.map((a) => a.text) },
    `${q.label}.groupBy`,
    positionOf(q.groupBy ?? q.calls[0]),
  );
  const relation: Relation = {
    stream,
    columns: [...keys, ...args.aggs.map((a) => a.name)],
    qualifiers: q.input.qualifiers,
    keyed: true,
  };
  for (const c of args.calls as AggregateCall[]) replaced.set(c.node, c.name);
  return { relation, replaced };
}

function lastRule(n: SqlNode): SqlNode {
  return childrenOf(n)
    .filter((c) => ruleOf(c) !== undefined)
    .pop()!;
}

/** A GROUP BY expression takes the alias of the select item that is the same expression. */
function keyName(group: SqlNode, selectList: SqlNode, i: number): string {
  const text = tokensOf(group).join(" ");
  for (const item of childrenOf(selectList, "columnProjectItem")) {
    const inner = item.children?.[0] ?? item;
    const expr = childOf(inner, "expression");
    if (expr && tokensOf(expr).join(" ") === text) return aliasOf(item) ?? `EXPR$key${i}`;
  }
  return `EXPR$key${i}`;
}

/**
 * The nodes of the select list whose text is the GROUP BY expression's: the topmost ones and the
 * nodes they wrap alone (the projection reads an item's inner expression node).
 */
function copiesOf(group: SqlNode, n: SqlNode): SqlNode[] {
  const text = tokensOf(group).join(" ");
  const same = (cur: SqlNode) => ruleOf(cur) !== undefined && tokensOf(cur).join(" ") === text;
  const walk = (cur: SqlNode): SqlNode[] =>
    same(cur) ? [cur, ...childrenOf(cur).filter(same).flatMap(walk)] : childrenOf(cur).flatMap(walk);
  return walk(n);
}
