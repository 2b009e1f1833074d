import type { Data, Schema } from "apache-arrow";
import { valueAt } from "../../types/column.js";
import { AggregateSpecError } from "./aggregate-spec.js";
import { columnIndex } from "./window-config.js";

/** One ORDER BY item of a Top-N: a column and its direction. */
export interface OrderKey {
  index: number;
  descending: boolean;
}

/** "price DESC", "auction ASC", "auction" as order keys of the schema. */
export function parseOrderBy(operator: string, items: string[], schema: Schema): OrderKey[] {
  if (items.length === 0) throw new AggregateSpecError(operator, 'orderBy needs a column (e.g. ["price DESC"])');
  return items.map((item) => {
    const m = /^\s*(\S+?)(?:\s+(ASC|DESC))?\s*$/i.exec(item);
    if (!m) throw new AggregateSpecError(operator, `orderBy item "${item}": write a column and ASC or DESC`);
    return {
      index: columnIndex(operator, schema, m[1], "orderBy column"),
      descending: m[2]?.toUpperCase() === "DESC",
    };
  });
}

/**
 * Compares row a of one batch's columns with row b of another's: < 0 when a comes first. Nulls
 * come first in ascending order and last in descending order, as in Flink.
 */
export function compareRows(order: OrderKey[], a: Data[], i: number, b: Data[], j: number): number {
  for (const k of order) {
    const x = valueAt(a[k.index], i);
    const y = valueAt(b[k.index], j);
    if (x === y) continue;
    let c: number;
    if (x === null) c = -1;
    else if (y === null) c = 1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return k.descending ? -c : c;
  }
  return 0;
}

/** One kept row of a Top-N: the retained batch it sits in and its row there. */
export interface Kept {
  batch: number;
  row: number;
}

/** Where `row` goes in `rows` (best first): after every row at least as good, so ties keep arrival order. */
export function insertionPoint(rows: Kept[], row: Kept, better: (a: Kept, b: Kept) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (better(row, rows[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
