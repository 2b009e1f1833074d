import { aliasOf } from "./aggregates.js";
import { bareColumn, type ExprScope, expressionText, resolveColumn } from "./expression-text.js";
import { splitProcTime } from "./proc-time.js";
import type { QueryContext } from "./query-context.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import { childOf, childrenOf, pathOf, positionOf, ruleOf, type SqlNode } from "./tree.js";

interface OutputColumn {
  text: string;
  name: string;
  /** The input column it passes through unchanged, if it is a bare column. */
  bare?: string;
}

/**
 * The select list as a select step over `scope.relation`; `target` renames the columns by
 * position (an INSERT writes the query's columns into the table's, in order, as Flink does).
 * A list that passes every column through unchanged adds no step.
 */
export function project(
  ctx: QueryContext,
  scope: ExprScope,
  selectList: SqlNode,
  label: string,
  target?: string[],
): Relation {
  const rel = scope.relation;
  const { procTime, rest } = splitProcTime(childrenOf(selectList, "columnProjectItem"), rel, target);
  const outputs = rest.flatMap((item, i) => outputColumns(item, i, scope));
  const at = positionOf(selectList);
  if (target) rename(outputs, target, at);
  const seen = new Set<string>();
  for (const o of outputs) {
    if (seen.has(o.name))
      throw new SqlError(at, `the query produces column ${o.name} twice`, "give each column a distinct name with AS");
    seen.add(o.name);
  }
  const timeColumn = outputs.find((o) => o.bare !== undefined && o.bare === rel.timeColumn)?.name;
  const identity =
    !rel.hidden?.length &&
    outputs.length === rel.columns.length &&
    outputs.every((o, i) => o.bare === rel.columns[i] && o.name === o.bare);
  if (identity) return { ...rel, procTime };
  // A subquery over a window's output that leaves window_time out keeps it hidden: the engine still
  // has its rows' event time (q8 joins two such subqueries), while SQL sees no time attribute, as
  // in Flink (a window over it is refused). An INSERT writes only the table's columns.
  const time = rel.timeColumn;
  const keep = !target && !timeColumn && time !== undefined && rel.hidden?.includes(time) && !seen.has(time);
  const kept = keep ? [{ text: quoteName(time), name: time }] : [];
  const stream = ctx.addStep(
    { from: rel.stream, select: [...outputs, ...kept].map((o) => `${o.text} AS ${quoteName(o.name)}`) },
    `${label}.select`,
    at,
  );
  if (keep)
    return {
      stream,
      columns: [...outputs, ...kept].map((o) => o.name),
      qualifiers: [],
      hidden: [time],
      keyed: rel.keyed,
      procTime,
    };
  return { stream, columns: outputs.map((o) => o.name), qualifiers: [], timeColumn, keyed: rel.keyed, procTime };
}

function outputColumns(item: SqlNode, i: number, scope: ExprScope): OutputColumn[] {
  const inner = item.children?.[0] ?? item;
  const rel = scope.relation;
  if (ruleOf(inner) === "tableAllColumns") {
    const q = pathOf(inner);
    if (q.length > 0 && !rel.qualifiers.includes(q[0]))
      throw new SqlError(positionOf(inner), `unknown table or alias ${q[0]}`);
    return rel.columns.filter((c) => !rel.hidden?.includes(c)).map((c) => ({ text: quoteName(c), name: c, bare: c }));
  }
  // The grammar reads `col - INTERVAL ...` as a column item followed by the rest of the expression.
  const parts = childrenOf(item).filter((c) => ruleOf(c) !== undefined && ruleOf(c) !== "columnAlias");
  if (parts.length > 1) {
    const text = parts.map((c) => expressionText(c, scope)).join(" ");
    return [{ text, name: aliasOf(item) ?? `EXPR$${i}` }];
  }
  const expr = childOf(inner, "columnName") ?? childOf(inner, "expression") ?? inner;
  const column = bareColumn(expr);
  const bare = column ? resolveColumn(column, rel) : replacedColumn(expr, scope);
  const passes = bare !== undefined && rel.columns.includes(bare);
  const text = expressionText(expr, scope);
  const alias = aliasOf(item);
  const name = alias ?? bare ?? `EXPR$${i}`;
  return [{ text, name, bare: passes ? bare : undefined }];
}

/** The window column an aggregate selected on its own passes through. */
function replacedColumn(expr: SqlNode, scope: ExprScope): string | undefined {
  for (let cur: SqlNode | undefined = expr; cur; ) {
    const hit = scope.replaced?.get(cur);
    if (hit !== undefined) return hit;
    const kids = childrenOf(cur);
    cur = kids.length === 1 ? kids[0] : undefined;
  }
  return undefined;
}

function rename(outputs: OutputColumn[], target: string[], at: SqlPosition): void {
  if (outputs.length !== target.length)
    throw new SqlError(
      at,
      `the query produces ${outputs.length} columns, the table has ${target.length}`,
      `write the table's columns in order: ${target.join(", ")}`,
    );
  target.forEach((name, i) => {
    outputs[i].name = name;
  });
}
