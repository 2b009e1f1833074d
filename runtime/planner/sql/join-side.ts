import type { WindowSpec } from "../../contract/spec/schema.js";
import { aliasOf, findAggregateCalls } from "./aggregates.js";
import { bareColumn, expressionText, resolveColumn } from "./expression-text.js";
import type { AliasColumns } from "./join-scope.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import { childOf, childrenOf, pathOf, positionOf, ruleOf, type SqlNode } from "./tree.js";
import { findUnsupported } from "./unsupported.js";
import { readWindowTvf } from "./window-tvf.js";

const START = "window_start";
const END = "window_end";

/**
 * One input of a join, read: `tvf` is `(SELECT ... FROM TABLE(TUMBLE(...)) [WHERE ...]) L`, rows
 * that the join assigns to windows; `windowed` is a window aggregate's output (q8's inputs);
 * `plain` is anything else (a table, a view, another subquery); `lookup` is a table read
 * `FOR SYSTEM_TIME AS OF`.
 */
export interface JoinSide {
  kind: "tvf" | "windowed" | "plain" | "lookup";
  alias: string;
  relation: Relation;
  /** Name in SQL -> column of relation.stream (a tvf side's window bounds are in `bounds`). */
  columns: AliasColumns;
  /** The names a side shows its window bounds under: the join's own (tvf) or its columns (windowed). */
  bounds?: { start: string[]; end: string[] };
  window?: WindowSpec;
  /** lookup: the table's name, and the `AS OF` expression. */
  table?: string;
  asOf?: SqlNode;
  at: SqlPosition;
}

export function readJoinSide(ctx: QueryContext, te: SqlNode, label: string): JoinSide {
  const at = positionOf(te);
  if (childrenOf(te, "tableExpression").length > 0)
    throw new SqlError(at, "a join of more than two inputs is not supported yet", "join two inputs in a VIEW first");
  const ref = childOf(te, "tableReference");
  if (!ref)
    throw new SqlError(
      at,
      "a window table function in a join is written as a subquery",
      "(SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L",
    );
  const aliasNode = childOf(ref, "tableAlias");
  if (aliasNode && childOf(aliasNode, "identifierList"))
    throw new SqlError(positionOf(aliasNode), "renaming columns in an alias (AS t (a, b)) is not supported");
  const primary = childOf(ref, "tablePrimary")!;
  const path = childOf(primary, "tablePath");
  const alias = aliasNode ? pathOf(aliasNode)[0] : path ? pathOf(path).join(".") : undefined;
  if (path) {
    const name = pathOf(path).join(".");
    const relation = ctx.relationOfName(name, positionOf(path), alias);
    const period = childOf(primary, "systemTimePeriod");
    const asOf = period && childOf(period, "dateTimeExpression");
    const kind = period ? "lookup" : "plain";
    return { kind, alias: alias!, relation, columns: identity(relation), table: name, asOf, at };
  }
  const query = childOf(childOf(primary, "atomExpressionTable") ?? primary, "queryStatement");
  if (!query) throw new SqlError(at, "this kind of join input is not supported", "join tables, views or (SELECT ...)");
  if (!alias) throw new SqlError(at, "a subquery in a join needs an alias", "(SELECT ...) AS L");
  const sel = childrenOf(query).length === 1 ? childOf(query, "selectStatement") : undefined;
  const tvfClause =
    sel && childOf(childOf(childOf(sel, "fromClause") ?? sel, "tableExpression") ?? sel, "windowTVFClause");
  const selectList = sel && childOf(childOf(sel, "selectClause")!, "selectList")!;
  if (sel && tvfClause && !childOf(sel, "groupByClause") && findAggregateCalls(selectList!).length === 0)
    return tvfSide(ctx, sel, tvfClause, alias, `${label}.${alias}`);
  const relation = ctx.compileQuery(query, `${label}.${alias}`);
  const side: JoinSide = { kind: "plain", alias, relation, columns: identity(relation), at };
  if (!sel || !tvfClause) return side;
  const bounds = boundNames(selectList!);
  return { ...side, kind: "windowed", bounds, window: readWindowTvf(tvfClause).window };
}

function identity(relation: Relation): AliasColumns {
  const visible = relation.columns.filter((c) => !relation.hidden?.includes(c));
  return Object.fromEntries(visible.map((c) => [c, c]));
}

/** The output names of a window aggregate's select items that pass window_start/window_end on. */
function boundNames(selectList: SqlNode): { start: string[]; end: string[] } {
  const out = { start: [] as string[], end: [] as string[] };
  for (const item of childrenOf(selectList, "columnProjectItem")) {
    const col = bareColumn(item.children?.[0] ?? item);
    const name = col && pathOf(col).pop();
    if (name === START) out.start.push(aliasOf(item) ?? START);
    if (name === END) out.end.push(aliasOf(item) ?? END);
  }
  return out;
}

/**
 * `SELECT cols FROM TABLE(TUMBLE(TABLE t, ...)) [WHERE ...]` as a join input: the table's rows
 * (filtered), the window left to the join, which assigns rows to windows itself. The select list
 * only names columns, so the join reads the table's stream with its event time.
 */
function tvfSide(ctx: QueryContext, sel: SqlNode, clause: SqlNode, alias: string, label: string): JoinSide {
  const refused = findUnsupported(sel);
  if (refused) throw refused;
  const tvf = readWindowTvf(clause);
  let relation = ctx.relationOfName(tvf.table, positionOf(tvf.tableNode));
  if (!relation.timeColumn || relation.timeColumn !== tvf.timeColumn)
    throw new SqlError(
      positionOf(tvf.timeNode),
      relation.timeColumn
        ? `DESCRIPTOR(${tvf.timeColumn}): the event time of ${tvf.table} is ${relation.timeColumn}`
        : `${tvf.table} has no watermark, so a window join over it has no event time to close windows on`,
      `declare WATERMARK FOR ${tvf.timeColumn} AS ${tvf.timeColumn} - INTERVAL '5' SECOND in CREATE TABLE ${tvf.table}`,
    );
  const where = childOf(sel, "whereClause");
  if (where) {
    const cond = childrenOf(where).filter((c) => ruleOf(c) !== undefined)[0];
    const stream = ctx.addStep(
      { from: relation.stream, filter: expressionText(cond, { relation }) },
      `${label}.where`,
      positionOf(cond),
    );
    relation = { ...relation, stream };
  }
  const side: JoinSide = {
    kind: "tvf",
    alias,
    relation,
    columns: {},
    bounds: { start: [], end: [] },
    window: tvf.window,
    at: tvf.at,
  };
  for (const item of childrenOf(childOf(childOf(sel, "selectClause")!, "selectList")!, "columnProjectItem"))
    selectItem(side, item);
  return side;
}

function selectItem(side: JoinSide, item: SqlNode): void {
  const inner = item.children?.[0] ?? item;
  const { relation, columns, bounds } = side;
  if (ruleOf(inner) === "tableAllColumns") {
    Object.assign(columns, identity(relation));
    bounds!.start.push(START);
    bounds!.end.push(END);
    return;
  }
  const col = bareColumn(inner);
  if (!col || childrenOf(item).filter((c) => ruleOf(c) !== undefined && ruleOf(c) !== "columnAlias").length > 1)
    throw new SqlError(
      positionOf(item),
      "an input of a window join selects columns only",
      "compute expressions in the SELECT over the join",
    );
  const name = pathOf(col).pop()!;
  const alias = aliasOf(item);
  if (name === START || name === END) (name === START ? bounds!.start : bounds!.end).push(alias ?? name);
  else columns[alias ?? name] = resolveColumn(col, relation);
}
