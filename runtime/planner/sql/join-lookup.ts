import { bareColumn } from "./expression-text.js";
import type { Equality } from "./join-condition.js";
import { sideColumn } from "./join-condition.js";
import { type AliasColumns, joinRelation } from "./join-scope.js";
import type { JoinSide } from "./join-side.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError, type SqlPosition } from "./sql-error.js";

interface LookupJoin {
  left: JoinSide;
  right: JoinSide;
  eqs: Equality[];
  /** The join's keywords: JOIN, INNER JOIN, LEFT [OUTER] JOIN. */
  words: string[];
  label: string;
  at: SqlPosition;
}

/**
 * `s JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k` onto the lookup join: each stream row meets
 * the table row of its key that the job has read when the row arrives (Flink's lookup join on a
 * processing-time attribute; a versioned event-time join is not what the engine does, see
 * docs/sql.md). The ON condition must match the table's whole PRIMARY KEY.
 */
export function compileLookupJoin(ctx: QueryContext, j: LookupJoin): Relation {
  const { left, right, eqs, words } = j;
  const table = right.table!;
  const key = right.relation.tableKey;
  if (!key)
    throw new SqlError(
      right.at,
      `${table} is not a table a lookup join can read`,
      "FOR SYSTEM_TIME AS OF reads an upsert-kafka table with PRIMARY KEY (...) NOT ENFORCED",
    );
  const asOf = right.asOf && bareColumn(right.asOf);
  if (!asOf || sideColumn(asOf, [left, right]).side !== 0)
    throw new SqlError(
      right.at,
      "FOR SYSTEM_TIME AS OF names a column of the left input",
      `e.g. AS OF ${left.alias}.ts`,
    );
  const type = lookupType(words, j.at);
  const byKey = new Map<string, string>();
  for (const e of eqs) {
    if (!key.includes(e.right.name))
      throw new SqlError(
        e.at,
        `${right.alias}.${e.right.name} is not in the PRIMARY KEY of ${table}`,
        `the key: ${key.join(", ")}`,
      );
    if (byKey.has(e.right.name)) throw new SqlError(e.at, `${right.alias}.${e.right.name} is matched twice`);
    byKey.set(e.right.name, left.columns[e.left.name]);
  }
  const unmatched = key.filter((k) => !byKey.has(k));
  if (unmatched.length > 0)
    throw new SqlError(
      j.at,
      `a lookup join matches the whole PRIMARY KEY of ${table}`,
      `add ON ... = ${right.alias}.${unmatched.join(", ")}`,
    );
  const stream = ctx.addStep(
    { from: left.relation.stream, lookupJoin: { table, key: key.map((k) => byKey.get(k)!), type } },
    `${j.label}.lookup`,
    j.at,
  );
  return joinRelation(ctx, stream, lookupColumns(left, right, byKey, type), j.label, j.at, left.relation.timeColumn);
}

function lookupType(words: string[], at: SqlPosition): "inner" | "left" {
  const w = words.filter((x) => x !== "OUTER" && x !== "JOIN");
  if (w.length === 0 || (w.length === 1 && w[0] === "INNER")) return "inner";
  if (w.length === 1 && w[0] === "LEFT") return "left";
  throw new SqlError(at, `${words.join(" ")}: a lookup join is JOIN or LEFT JOIN`);
}

/**
 * The engine's output: the stream's columns, then the table's other columns (a clashing name as
 * `<table>_<name>`). An inner join's key columns equal the stream's; a left join's are left out
 * (null when no row matched, which the engine does not give): name the stream's column instead.
 */
function lookupColumns(
  left: JoinSide,
  right: JoinSide,
  byKey: Map<string, string>,
  type: "inner" | "left",
): Record<string, AliasColumns> {
  const taken = new Set(left.relation.columns);
  const shown: AliasColumns = {};
  for (const [name, column] of Object.entries(right.columns)) {
    const key = byKey.get(column);
    if (key !== undefined) {
      if (type === "inner") shown[name] = key;
    } else shown[name] = taken.has(column) ? `${right.table}_${column}` : column;
  }
  return { [left.alias]: left.columns, [right.alias]: shown };
}
