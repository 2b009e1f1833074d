import { aliasOf } from "./aggregates.js";
import { bareColumn } from "./expression-text.js";
import { isProcTimeItem } from "./proc-time-item.js";
import type { Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childOf, pathOf, positionOf, type SqlNode } from "./tree.js";

/**
 * `PROCTIME() AS p` in a select list declares a processing-time attribute, as in Flink: not a
 * column of the stream (no value is computed), but a name that a window's DESCRIPTOR(p) (a
 * processing-time window) or a lookup join's FOR SYSTEM_TIME AS OF may use. Anywhere else PROCTIME()
 * is refused (unsupported.ts), and so is writing the attribute into a table.
 *
 * The select items that carry the processing-time attribute (`PROCTIME() AS p`, or `p` passed on
 * from the input), left out of the columns: the attribute's name, if any, and the other items.
 */
export function splitProcTime(
  items: SqlNode[],
  input: Relation,
  target: string[] | undefined,
): { procTime?: string; rest: SqlNode[] } {
  let procTime: string | undefined;
  const rest: SqlNode[] = [];
  for (const [i, item] of items.entries()) {
    const inner = item.children?.[0] ?? item;
    const col = bareColumn(childOf(inner, "columnName") ?? childOf(inner, "expression") ?? inner);
    const passed = input.procTime !== undefined && col !== undefined && pathOf(col).at(-1) === input.procTime;
    if (!isProcTimeItem(item) && !passed) {
      rest.push(item);
      continue;
    }
    if (target)
      throw new SqlError(
        positionOf(item),
        "a PROCTIME() attribute has no value to write into a table",
        "use it as a window's DESCRIPTOR or in FOR SYSTEM_TIME AS OF, and write window_start/window_end",
      );
    procTime = aliasOf(item) ?? (passed ? input.procTime : `EXPR$${i}`);
  }
  return { procTime, rest };
}
