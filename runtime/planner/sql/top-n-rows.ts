import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import type { SqlPosition } from "./sql-error.js";

/** A ROW_NUMBER() query over rows (no window), as top-n.ts read it. */
export interface TopNRowsQuery {
  input: Relation;
  partition: string[];
  orderBy: string[];
  limit: number;
  rownum: string;
  label: string;
  at: SqlPosition;
}

/**
 * Top-N and deduplication over a table's rows (Nexmark q18, q19): keyBy the PARTITION BY columns
 * and an `upsertTopN` step, an updating result whose upsert key is (partition, rownum), or the
 * partition alone for `rownum = 1` (the outer SELECT may then drop rownum, as q18 does).
 * Returns the step's stream.
 */
export function topNRows(ctx: QueryContext, q: TopNRowsQuery): string {
  // Always keyed, so every row of a partition (or, without PARTITION BY, every row) meets in one subtask.
  const stream = ctx.addStep({ from: q.input.stream, keyBy: q.partition }, `${q.label}.keyBy`, q.at);
  return ctx.addStep(
    {
      from: stream,
      upsertTopN: { partitionBy: q.partition, orderBy: q.orderBy, limit: q.limit, rowNumber: q.rownum },
    },
    `${q.label}.topN`,
    q.at,
  );
}
