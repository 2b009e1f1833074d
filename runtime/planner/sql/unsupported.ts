import { isProcTimeItem } from "./proc-time-item.js";
import { SqlError } from "./sql-error.js";
import { keywordOf, labelOf, positionOf, ruleOf, type SqlNode } from "./tree.js";

/**
 * Valid Flink SQL that Sabot cannot run yet, by parse-tree rule: refused at its position with the
 * missing feature named, never compiled into something that gives a different answer.
 */
const REFUSED: Record<string, string> = {
  windowSpec: "OVER windows (ROW_NUMBER() OVER for Top-N or deduplication, OVER aggregates) are not supported yet",
  overWindowItem: "OVER windows (ROW_NUMBER() OVER for Top-N or deduplication, OVER aggregates) are not supported yet",
  filterClause: "this FILTER form is not supported; write it right after an aggregate: COUNT(*) FILTER (WHERE cond)",
};

/** The same, by labelled alternative. */
const REFUSED_LABELS: Record<string, string> = {
  SubqueryExpression: "subqueries in expressions are not supported",
  Exists: "EXISTS subqueries are not supported",
};

export function unsupportedHint(n: SqlNode): SqlError | undefined {
  const rule = ruleOf(n) ?? "";
  if (rule === "functionCallExpression" && keywordOf(n) === "PROCTIME")
    return new SqlError(
      positionOf(n),
      "PROCTIME() is supported only as a select item, PROCTIME() AS p",
      "then window on it, TUMBLE(TABLE v, DESCRIPTOR(p), ...), in a query over that view",
    );
  const why = REFUSED[rule] ?? REFUSED_LABELS[labelOf(n)];
  return why ? new SqlError(positionOf(n), `${keywordOf(n) || rule}: ${why}`) : undefined;
}

/** The first refused construct at or below n, if any (`PROCTIME() AS p` select items are allowed). */
export function findUnsupported(n: SqlNode): SqlError | undefined {
  if (ruleOf(n) === "columnProjectItem" && isProcTimeItem(n)) return undefined;
  const own = unsupportedHint(n);
  if (own) return own;
  for (const c of n.children ?? []) {
    const hit = findUnsupported(c);
    if (hit) return hit;
  }
  return undefined;
}
