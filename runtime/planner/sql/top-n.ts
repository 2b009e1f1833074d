import { bareColumn, resolveColumn } from "./expression-text.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { topNRows } from "./top-n-rows.js";
import {
  childOf,
  childrenOf,
  findRule,
  findRules,
  keywordOf,
  nameOf,
  positionOf,
  ruleOf,
  type SqlNode,
  tokensOf,
} from "./tree.js";
import { findUnsupported } from "./unsupported.js";

const BOUNDS = ["window_start", "window_end"];
const HINT =
  "write SELECT ... FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY x DESC) AS rownum FROM <window query>) WHERE rownum <= N";

/**
 * Window Top-N and window deduplication, in Flink's form: an outer SELECT over
 * `(SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end[, k] ORDER BY ...) AS rownum
 * FROM <a window's output>)` with `WHERE rownum <= N` (or `< N`, or `= 1`), compiled into one topN
 * step. Returns the relation the outer SELECT's list reads, or undefined when `sel` is not this shape.
 */
export function topNRelation(
  ctx: QueryContext,
  sel: SqlNode,
  label: string,
  fromOf: (inner: SqlNode) => Relation,
): Relation | undefined {
  const inner = innerSelect(sel);
  const items = inner ? childrenOf(childOf(childOf(inner, "selectClause")!, "selectList")!, "columnProjectItem") : [];
  const rowItem = items.find((i) => rowNumberOver(i));
  if (!inner || !rowItem) return undefined;
  const over = findRule(rowItem, "overWindowItem")!;
  const rownum = rowNumberAlias(over);
  for (const clause of ["whereClause", "groupByClause", "havingClause"])
    if (childOf(inner, clause))
      throw new SqlError(
        positionOf(childOf(inner, clause)!),
        `${keywordOf(childOf(inner, clause)!)} in the ROW_NUMBER() query is not supported: it reads its input as is`,
        "filter or aggregate in a view it reads",
      );
  for (const part of [childOf(inner, "fromClause"), ...items.filter((i) => i !== rowItem)]) {
    const refused = part && findUnsupported(part);
    if (refused) throw refused;
  }
  const input = fromOf(inner);
  const missing = BOUNDS.filter((b) => !input.columns.includes(b));
  const spec = childOf(over, "windowSpec")!;
  const partition = findRules(childOf(spec, "partitionByClause") ?? spec, "columnName").map((c) =>
    resolveColumn(c, input),
  );
  // Over rows without window bounds: an updating Top-N (top-n-rows.ts).
  if (missing.length === BOUNDS.length) {
    const stream = topNRows(ctx, {
      input,
      partition,
      orderBy: orderItems(spec, input),
      limit: rowLimit(sel, rownum),
      rownum,
      label,
      at: positionOf(over),
    });
    const visible = visibleColumns(items, rowItem, input);
    return { ...input, stream, columns: [...visible, rownum], qualifiers: aliasOf(sel), timeColumn: undefined };
  }
  if (missing.length > 0)
    throw new SqlError(
      positionOf(over),
      `ROW_NUMBER() runs over a window's output (Top-N per window) or a table's rows; its input has no ${missing.join(" or ")}`,
      "read a GROUP BY window_start, window_end query, or a table",
    );
  const absent = BOUNDS.filter((b) => !partition.includes(b));
  if (absent.length > 0 || !childOf(spec, "partitionByClause"))
    throw new SqlError(positionOf(spec), `ROW_NUMBER() OVER needs PARTITION BY window_start, window_end`, HINT);
  const orderBy = orderItems(spec, input);
  const limit = rowLimit(sel, rownum);
  const stream = ctx.addStep(
    {
      from: input.stream,
      topN: { partitionBy: partition.filter((p) => !BOUNDS.includes(p)), orderBy, limit, rowNumber: rownum },
    },
    `${label}.topN`,
    positionOf(over),
  );
  const visible = visibleColumns(items, rowItem, input);
  return { ...input, stream, columns: [...visible, rownum], qualifiers: aliasOf(sel) };
}

/** ROW_NUMBER() OVER's ORDER BY items as `col ASC|DESC`. */
function orderItems(spec: SqlNode, input: Relation): string[] {
  const orderBy = findRules(childOf(spec, "orderByClause") ?? spec, "orderItemDefinition").map((o) => {
    const col = bareColumn(o) ?? findRule(o, "columnName");
    if (!col) throw new SqlError(positionOf(o), "ORDER BY a column in ROW_NUMBER() OVER", "compute it in a view");
    const desc = tokensOf(o).some((t) => t.toUpperCase() === "DESC");
    return `${resolveColumn(col, input)} ${desc ? "DESC" : "ASC"}`;
  });
  if (orderBy.length === 0) throw new SqlError(positionOf(spec), "ROW_NUMBER() OVER needs ORDER BY", HINT);
  return orderBy;
}

/** `(SELECT ...)` as the only FROM item of sel, if it is. */
function innerSelect(sel: SqlNode): SqlNode | undefined {
  const from = childOf(sel, "fromClause");
  const tes = from ? childrenOf(from, "tableExpression") : [];
  if (tes.length !== 1) return undefined;
  const atom = findRule(tes[0], "atomExpressionTable", ["joinCondition"]);
  const query = atom && childOf(atom, "queryStatement");
  return query && childOf(query, "selectStatement");
}

function aliasOf(sel: SqlNode): string[] {
  const alias = findRule(childOf(sel, "fromClause")!, "tableAlias");
  return alias ? [nameOf(findRule(alias, "identifier")!)] : [];
}

function rowNumberOver(item: SqlNode): boolean {
  const over = findRule(item, "overWindowItem");
  return over !== undefined && keywordOf(over) === "ROW_NUMBER";
}

function rowNumberAlias(over: SqlNode): string {
  const id = childrenOf(over).filter((c) => ruleOf(c) === "identifier");
  if (id.length === 0) throw new SqlError(positionOf(over), "name the ROW_NUMBER() column: ... AS rownum", HINT);
  return nameOf(id[id.length - 1]);
}

/** The inner list's columns besides the row number: `*` or bare columns of the input. */
function visibleColumns(items: SqlNode[], rowItem: SqlNode, input: Relation): string[] {
  return items
    .filter((i) => i !== rowItem)
    .flatMap((item) => {
      if (findRule(item, "tableAllColumns")) return input.columns.filter((c) => !input.hidden?.includes(c));
      const col = bareColumn(item.children?.[0] ?? item) ?? findRule(item, "columnName");
      if (!col || findRule(item, "columnAlias"))
        throw new SqlError(
          positionOf(item),
          "beside ROW_NUMBER(), select * or input columns",
          "compute columns in a view",
        );
      return [resolveColumn(col, input)];
    });
}

/** N of the outer `WHERE rownum <= N` (`< N`, `= 1`). */
function rowLimit(sel: SqlNode, rownum: string): number {
  const where = childOf(sel, "whereClause");
  const text = where ? tokensOf(where).slice(1).join("") : "";
  const m = new RegExp(`^\`?${rownum.replace(/\W/g, "\\$&")}\`?(<=|<|=)(\\d+)$`, "i").exec(text);
  const n = m ? Number(m[2]) - (m[1] === "<" ? 1 : 0) : 0;
  if (!m || n < 1 || (m[1] === "=" && n !== 1))
    throw new SqlError(
      positionOf(where ?? sel),
      `Top-N needs WHERE ${rownum} <= N (or ${rownum} = 1 to deduplicate) on the ROW_NUMBER() query`,
      HINT,
    );
  return n;
}
