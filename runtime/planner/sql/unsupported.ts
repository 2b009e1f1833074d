import { SqlError } from "./sql-error.js";
import { keywordOf, labelOf, positionOf, ruleOf, type SqlNode } from "./tree.js";

/**
 * Valid Flink SQL that Sabot cannot run yet, by parse-tree rule: refused at its position with the
 * missing feature named, never compiled into something that gives a different answer.
 */
const REFUSED: Record<string, string> = {
  windowSpec: "OVER windows (ROW_NUMBER() OVER for Top-N or deduplication, OVER aggregates) are not supported yet",
  overWindowItem: "OVER windows (ROW_NUMBER() OVER for Top-N or deduplication, OVER aggregates) are not supported yet",
  filterClause: "aggregate FILTER (WHERE ...) is not supported yet; filter in a VIEW before the window",
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
      "PROCTIME(): processing-time attributes are not supported",
      "Sabot's windows run on event time: window on the table's WATERMARK column",
    );
  const why = REFUSED[rule] ?? REFUSED_LABELS[labelOf(n)];
  return why ? new SqlError(positionOf(n), `${keywordOf(n) || rule}: ${why}`) : undefined;
}

/** The first refused construct at or below n, if any. */
export function findUnsupported(n: SqlNode): SqlError | undefined {
  const own = unsupportedHint(n);
  if (own) return own;
  for (const c of n.children ?? []) {
    const hit = findUnsupported(c);
    if (hit) return hit;
  }
  return undefined;
}
