import { type AggregateCall, aggregateCall, aliasOf, expressionArgument, findAggregateCalls } from "./aggregates.js";
import { expressionText } from "./expression-text.js";
import type { QueryContext } from "./query-context.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childOf, childrenOf, positionOf, type SqlNode, tokensOf } from "./tree.js";

/** What an aggregating SELECT (windowed or not) computes its aggregates from. */
export interface AggregateQuery {
  calls: SqlNode[];
  selectList: SqlNode;
  label: string;
  /** GROUP BY expressions computed as columns beside the arguments: (expression, column name). */
  keyColumns?: [SqlNode, string][];
}

/**
 * The aggregate steps' inputs: the relation they read (with a select step computing expression
 * arguments and keys when there are any), every call as an aggregate item, and the distinct ones.
 */
export function aggregateInputs(
  ctx: QueryContext,
  q: AggregateQuery,
  input: Relation,
): { relation: Relation; calls: AggregateCall[]; aggs: AggregateCall[] } {
  const args = expressionArguments(ctx, q, input);
  const calls = q.calls.map((call, i) =>
    aggregateCall(call, aggregateName(call, q.selectList, i), args.relation, args.columns.get(call)),
  );
  return { relation: args.relation, calls, aggs: distinctAggregates(calls) };
}

/**
 * One window column per distinct aggregate: `COUNT(*) AS n ... HAVING COUNT(*) > 1` computes the
 * count once. Later repeats take the first one's name (the calls are renamed in place).
 */
function distinctAggregates(calls: AggregateCall[]): AggregateCall[] {
  const first = new Map<string, AggregateCall>();
  for (const c of calls) {
    const what = c.text.slice(0, c.text.lastIndexOf(" AS "));
    const seen = first.get(what);
    if (seen) {
      c.name = seen.name;
      c.text = seen.text;
    } else first.set(what, c);
  }
  return [...first.values()];
}

/**
 * Aggregates of expressions (`SUM(price * 2)`), and GROUP BY expressions, read columns computed
 * by a select step before the aggregate, which passes every column through (so keys and event
 * time stay).
 */
function expressionArguments(
  ctx: QueryContext,
  q: AggregateQuery,
  input: Relation,
): { relation: Relation; columns: Map<SqlNode, string> } {
  const columns = new Map<SqlNode, string>();
  const items = input.columns.map((c) => `${quoteName(c)} AS ${quoteName(c)}`);
  for (const [expr, name] of q.keyColumns ?? [])
    items.push(`${expressionText(expr, { relation: input })} AS ${quoteName(name)}`);
  q.calls.forEach((call, i) => {
    const arg = expressionArgument(call);
    if (!arg) return;
    if (findAggregateCalls(arg).length > 0)
      throw new SqlError(positionOf(arg), "an aggregate inside an aggregate is not allowed");
    const name = `EXPR$arg${i}`;
    columns.set(call, name);
    items.push(`${expressionText(arg, { relation: input })} AS ${quoteName(name)}`);
  });
  const keys = (q.keyColumns ?? []).map(([, name]) => name);
  if (columns.size === 0 && keys.length === 0) return { relation: input, columns };
  const at = positionOf(q.calls[0] ?? q.keyColumns![0][0]);
  const stream = ctx.addStep({ from: input.stream, select: items }, `${q.label}.arguments`, at);
  return { relation: { ...input, stream, columns: [...input.columns, ...keys, ...columns.values()] }, columns };
}

/** An aggregate selected on its own keeps its alias; others get a column of their own. */
function aggregateName(call: SqlNode, selectList: SqlNode, i: number): string {
  const callText = tokensOf(call).join(" ");
  for (const item of childrenOf(selectList, "columnProjectItem")) {
    const inner = item.children?.[0] ?? item;
    const expr = childOf(inner, "expression");
    if (expr && findAggregateCalls(expr).includes(call) && tokensOf(expr).join(" ") === callText)
      return aliasOf(item) ?? `EXPR$agg${i}`;
  }
  return `EXPR$agg${i}`;
}
