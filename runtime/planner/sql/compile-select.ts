import { type AggregateCall, findAggregateCalls } from "./aggregates.js";
import { bareColumn, expressionText, resolveColumn } from "./expression-text.js";
import { upsertAggregate } from "./group-by.js";
import { aggregateInputs } from "./group-by-aggregates.js";
import { compileJoin, isJoin } from "./join.js";
import { INTERVAL_JOIN_HINT } from "./join-condition.js";
import { project } from "./projection.js";
import type { QueryContext } from "./query-context.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { topNRelation } from "./top-n.js";
import { childOf, childrenOf, keywordOf, pathOf, positionOf, ruleOf, type SqlNode, tokensOf } from "./tree.js";
import { findUnsupported } from "./unsupported.js";
import { checkSessionKeys, readWindowTvf, type WindowTvf } from "./window-tvf.js";

const BOUNDS = ["window_start", "window_end"];
/** The row count a window without aggregates computes (the engine's window needs one). */
const ROWS = "EXPR$rows";

/**
 * One SELECT as steps: WHERE → filter; GROUP BY over a window TVF → keyBy + window (+ HAVING →
 * filter); the select list → select. Anything else is refused at its position.
 */
export function compileSelect(ctx: QueryContext, sel: SqlNode, label: string, target?: string[]): Relation {
  const topN = topNRelation(ctx, sel, label, (inner) => fromRelation(ctx, inner, label).input);
  if (topN) return topNOutput(ctx, sel, topN, label, target);
  const refused = findUnsupported(sel);
  if (refused) throw refused;
  const { input: from, tvf } = fromRelation(ctx, sel, label);
  let input = from;
  const where = childOf(sel, "whereClause");
  if (where) {
    const cond = lastRule(where);
    const stream = ctx.addStep(
      { from: input.stream, filter: expressionText(cond, { relation: input }) },
      `${label}.where`,
      positionOf(cond),
    );
    input = { ...input, stream };
  }
  const selectClause = childOf(sel, "selectClause")!;
  const distinct = childOf(selectClause, "setQuantifier");
  if (distinct && keywordOf(distinct) === "DISTINCT")
    throw new SqlError(
      positionOf(distinct),
      "SELECT DISTINCT is not supported yet",
      "deduplication needs state Sabot has no operator for",
    );
  const selectList = childOf(selectClause, "selectList")!;
  const groupBy = childOf(sel, "groupByClause");
  const having = childOf(sel, "havingClause");
  const calls = [...findAggregateCalls(selectList), ...(having ? findAggregateCalls(having) : [])];
  if (!groupBy && calls.length === 0 && !tvf) {
    if (having)
      throw new SqlError(positionOf(having), "HAVING needs a GROUP BY over a window", "use WHERE to filter rows");
    return project(ctx, { relation: input }, selectList, label, target);
  }
  // An INSERT's own query that never names window_time needs no window_time column (nothing reads it).
  const timeRead = [selectList, having].some(
    (n) => n && tokensOf(n).some((t) => t.replace(/`/g, "") === "window_time"),
  );
  const windowTime = !target || timeRead;
  // Without a window table function: an unbounded GROUP BY, an updating (upsert) result.
  if (!tvf) {
    const grouped = upsertAggregate(ctx, { input, groupBy, having, calls, selectList, label });
    return project(ctx, { relation: grouped.relation, replaced: grouped.replaced }, selectList, label, target);
  }
  const { relation, replaced } = windowAggregate(ctx, { input, tvf, groupBy, calls, selectList, label, windowTime });
  let out = relation;
  if (having) {
    const cond = lastRule(having);
    const stream = ctx.addStep(
      { from: out.stream, filter: expressionText(cond, { relation: out, replaced }) },
      `${label}.having`,
      positionOf(cond),
    );
    out = { ...out, stream };
  }
  return project(ctx, { relation: out, replaced }, selectList, label, target);
}

/** The outer SELECT of a window Top-N: its list over the topN step's rows, nothing else. */
function topNOutput(ctx: QueryContext, sel: SqlNode, topN: Relation, label: string, target?: string[]): Relation {
  const selectList = childOf(childOf(sel, "selectClause")!, "selectList")!;
  const extra = childOf(sel, "groupByClause") ?? childOf(sel, "havingClause");
  if (extra)
    throw new SqlError(
      positionOf(extra),
      "a Top-N query's outer SELECT has only WHERE rownum <= N",
      "aggregate in a query over it",
    );
  const refused = findUnsupported(selectList);
  if (refused) throw refused;
  return project(ctx, { relation: topN }, selectList, label, target);
}

function lastRule(n: SqlNode): SqlNode {
  return childrenOf(n)
    .filter((c) => ruleOf(c) !== undefined)
    .pop()!;
}

function fromRelation(ctx: QueryContext, sel: SqlNode, label: string): { input: Relation; tvf?: WindowTvf } {
  const from = childOf(sel, "fromClause");
  if (!from) throw new SqlError(positionOf(sel), "a SELECT needs FROM: a streaming query reads a table or a view");
  const items = childrenOf(from, "tableExpression");
  if (items.length === 1 && isJoin(items[0]))
    return { input: compileJoin(ctx, items[0], label, childOf(sel, "whereClause")) };
  // A comma list: more than one FROM item under the one tableExpression.
  const nested = items.length === 1 ? childrenOf(items[0]).filter((c) => ruleOf(c) !== undefined) : [];
  if (items.length > 1 || nested.length > 1)
    throw new SqlError(
      positionOf(items[1] ?? nested[1] ?? from),
      "FROM a, b: a join is written JOIN ... ON",
      INTERVAL_JOIN_HINT,
    );
  const te = items[0];
  const tvfClause = childOf(te, "windowTVFClause");
  if (tvfClause) {
    const tvf = readWindowTvf(tvfClause);
    return { input: ctx.relationOfName(tvf.table, positionOf(tvf.tableNode)), tvf };
  }
  return { input: tableRelation(ctx, te) };
}

function tableRelation(ctx: QueryContext, te: SqlNode): Relation {
  const ref = childOf(te, "tableReference");
  const primary = ref && childOf(ref, "tablePrimary");
  const aliasNode = ref && childOf(ref, "tableAlias");
  const renamed = aliasNode && childOf(aliasNode, "identifierList");
  if (renamed)
    throw new SqlError(
      positionOf(renamed),
      "renaming columns in an alias (AS t (a, b)) is not supported",
      "rename them in the SELECT list",
    );
  const alias = aliasNode ? pathOf(aliasNode)[0] : undefined;
  const path = primary && childOf(primary, "tablePath");
  if (path) return ctx.relationOfName(pathOf(path).join("."), positionOf(path), alias);
  const atom = primary && childOf(primary, "atomExpressionTable");
  const query = atom && childOf(atom, "queryStatement");
  if (query) {
    const rel = ctx.compileQuery(query, alias ? `subquery.${alias}` : "subquery");
    return { ...rel, qualifiers: alias ? [alias] : [] };
  }
  throw new SqlError(positionOf(te), "this kind of FROM item is not supported", "read a table, a view or (SELECT ...)");
}

interface WindowQuery {
  input: Relation;
  tvf: WindowTvf | undefined;
  groupBy: SqlNode | undefined;
  calls: SqlNode[];
  selectList: SqlNode;
  label: string;
  /** Whether the window step emits window_time (as its event time). */
  windowTime: boolean;
}

/** GROUP BY keys, window_start, window_end over a window TVF: keyBy (with keys) + window. */
function windowAggregate(ctx: QueryContext, q: WindowQuery): { relation: Relation; replaced: Map<SqlNode, string> } {
  const { input, tvf } = q;
  const at = positionOf(q.groupBy ?? q.calls[0] ?? q.selectList);
  if (!tvf)
    throw new SqlError(
      at,
      "GROUP BY without a window is an updating aggregate, which Sabot does not support yet",
      "group by window_start, window_end of FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND))",
    );
  if (!q.groupBy) throw new SqlError(tvf.at, "a window table function needs GROUP BY ..., window_start, window_end");
  // A window on a PROCTIME() attribute runs on processing time, and its output has no event time.
  const processing = input.procTime !== undefined && tvf.timeColumn === input.procTime;
  if (!processing) checkEventTime(tvf, input);
  const windowTime = q.windowTime && !processing;
  const scope: Relation = { ...input, columns: [...input.columns, ...BOUNDS] };
  const grouped = childrenOf(q.groupBy, "groupItemDefinition").map((g) => {
    const col = bareColumn(g);
    if (!col)
      throw new SqlError(
        positionOf(g),
        "GROUP BY an expression is not supported yet",
        "compute it as a column in a VIEW",
      );
    return resolveColumn(col, scope);
  });
  const missing = BOUNDS.filter((b) => !grouped.includes(b));
  if (missing.length > 0)
    throw new SqlError(
      positionOf(q.groupBy),
      `GROUP BY over ${tvf.window.type} windows needs ${missing.join(" and ")}`,
    );
  const keys = grouped.filter((k) => !BOUNDS.includes(k));
  checkSessionKeys(tvf, keys, positionOf(q.groupBy));
  const args = aggregateInputs(ctx, q, input);
  const { calls, aggs } = args;
  // GROUP BY without aggregates (one row per key and window, as q8's inputs): the window step
  // counts rows, a column that `*` leaves out.
  const counted = aggs.length === 0 ? [ROWS] : [];
  const texts = counted.length > 0 ? [`count(*) AS ${quoteName(ROWS)}`] : aggs.map((a) => a.text);
  let stream = args.relation.stream;
  // keyBy: [] when the input may be keyed already (the output of another window keeps its keys).
  if (keys.length > 0 || input.keyed)
    stream = ctx.addStep({ from: stream, keyBy: keys }, `${q.label}.keyBy`, positionOf(q.groupBy));
  const window = processing ? { ...tvf.window, time: "processing" as const } : tvf.window;
  stream = ctx.addStep(
    { from: stream, window, aggregate: texts, ...(windowTime ? { windowTime: true } : {}) },
    `${q.label}.window`,
    tvf.at,
  );
  const relation: Relation = {
    stream,
    columns: [...keys, ...BOUNDS, ...(windowTime ? ["window_time"] : []), ...aggs.map((a) => a.name), ...counted],
    qualifiers: input.qualifiers,
    timeColumn: windowTime ? "window_time" : undefined,
    hidden: [...(windowTime ? ["window_time"] : []), ...counted],
    keyed: true,
  };
  return { relation, replaced: new Map(calls.map((a: AggregateCall) => [a.node, a.name])) };
}

/** The window's time column must be the table's watermarked column. */
function checkEventTime(tvf: WindowTvf, input: Relation): void {
  const fn = tvf.window.type;
  if (!input.timeColumn)
    throw new SqlError(
      positionOf(tvf.timeNode),
      `${tvf.table} has no watermark, so its ${fn} windows have no event time to close on`,
      `declare WATERMARK FOR ${tvf.timeColumn} AS ${tvf.timeColumn} - INTERVAL '5' SECOND in CREATE TABLE ${tvf.table}, or, for a view over a window, select its window_time`,
    );
  if (tvf.timeColumn !== input.timeColumn)
    throw new SqlError(
      positionOf(tvf.timeNode),
      `DESCRIPTOR(${tvf.timeColumn}): the event time of ${tvf.table} is ${input.timeColumn}`,
      `write DESCRIPTOR(${input.timeColumn})`,
    );
}
