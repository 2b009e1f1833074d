import type { IntervalSpec } from "../../contract/spec/schema.js";
import { expressionText } from "./expression-text.js";
import { conditionBody, conjuncts, type Equality, refusal, sideColumn } from "./join-condition.js";
import { eventTimeOf, intersect, type TimeBounds, timeBound } from "./join-interval.js";
import { type AliasColumns, joinRelation } from "./join-scope.js";
import type { JoinSide } from "./join-side.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import { findRules, positionOf, type SqlNode } from "./tree.js";

export interface StreamJoinQuery {
  left: JoinSide;
  right: JoinSide;
  eqs: Equality[];
  /** The ON condition's parts besides the equalities: time bounds of an interval join. */
  others: SqlNode[];
  /** The query's WHERE clause, whose time bounds (if any) also bound the join. */
  where: SqlNode | undefined;
  /** The join's keywords: JOIN, INNER JOIN, LEFT [OUTER] JOIN... */
  words: string[];
  label: string;
  at: SqlPosition;
  condAt: SqlPosition;
}

const UNBOUNDED: TimeBounds = { lower: -Infinity, upper: Infinity };

/**
 * `a JOIN b ON a.k = b.k` of two append-only inputs (tables, views, window aggregates) onto the
 * engine's regular join, or, when the ON condition (or the query's WHERE) bounds the inputs' event
 * times against each other from both sides, onto the interval join (`between`). The WHERE clause
 * is still applied after the join as written: its time bounds are then always true, so nothing
 * changes but the state the join keeps; and its parts that read one input only also filter that
 * input before the join (an inner join: the same rows, fewer of them kept). Outer joins and
 * upsert (changelog) inputs are refused.
 */
export function compileStreamJoin(ctx: QueryContext, query: StreamJoinQuery): Relation {
  const j = pushDown(ctx, query);
  const { left, right, eqs, words } = j;
  const outer = words.filter((w) => w !== "JOIN" && w !== "INNER");
  if (outer.length > 0)
    throw new SqlError(
      j.at,
      `${words.join(" ")}: only inner regular and interval joins are supported`,
      "an outer regular join emits a row without a match and retracts it when the match arrives, which needs changelog/retractions Sabot does not have; write an inner JOIN",
    );
  for (const side of [left, right])
    if (side.relation.tableKey)
      throw new SqlError(
        side.at,
        `${side.alias} is an upsert-kafka table (a changelog): a regular join of it needs changelog/retractions, which Sabot does not have`,
        `look its rows up instead: JOIN ${side.table ?? side.alias} FOR SYSTEM_TIME AS OF ${left.alias}.<time column> AS ${side.alias}`,
      );
  if (eqs.length === 0)
    throw new SqlError(j.condAt, "a join needs an equality of a column of each input", "e.g. ON L.id = R.seller");
  const bounds = joinBounds(j);
  const [l, r] = [left.relation, right.relation];
  const between = bounds ? intervalSpec(bounds, j.condAt) : undefined;
  const stream = ctx.addStep(
    {
      from: l.stream,
      join: {
        with: r.stream,
        leftKey: j.eqs.map((e) => left.columns[e.left.name]),
        rightKey: j.eqs.map((e) => right.columns[e.right.name]),
        ...(between ? { between } : {}),
      },
    },
    `${j.label}.join`,
    j.condAt,
  );
  return joinRelation(
    ctx,
    stream,
    streamJoinColumns(left, right),
    j.label,
    j.at,
    between ? eventTimeOf(left) : undefined,
  );
}

/**
 * Each input filtered by the WHERE parts that read only its columns, so the join keeps (and
 * emits) only rows the WHERE would keep. A part that does not compile against the input alone is
 * left to the WHERE after the join, which reports its problems.
 */
function pushDown(ctx: QueryContext, j: StreamJoinQuery): StreamJoinQuery {
  if (!j.where) return j;
  const sides: [JoinSide, JoinSide] = [j.left, j.right];
  const parts: [string[], string[]] = [[], []];
  const at: [SqlNode[], SqlNode[]] = [[], []];
  for (const c of conjuncts(conditionBody(j.where))) {
    const side = onlySide(c, sides);
    if (side === null) continue;
    try {
      parts[side].push(`(${expressionText(c, { relation: sides[side].relation })})`);
      at[side].push(c);
    } catch (err) {
      if (!(err instanceof SqlError)) throw err;
    }
  }
  const filtered = sides.map((s, i) => {
    if (parts[i].length === 0) return s;
    const stream = ctx.addStep(
      { from: s.relation.stream, filter: parts[i].join(" AND ") },
      `${j.label}.${s.alias}.where`,
      positionOf(at[i][0]),
    );
    return { ...s, relation: { ...s.relation, stream } };
  });
  return { ...j, left: filtered[0], right: filtered[1] };
}

/** The one input whose columns a condition part reads, or null (both, none, or unresolved). */
function onlySide(c: SqlNode, sides: [JoinSide, JoinSide]): 0 | 1 | null {
  const cols = findRules(c, "columnNamePath");
  if (cols.length === 0) return null;
  try {
    const found = new Set(cols.map((n) => sideColumn(n, sides).side));
    return found.size === 1 ? [...found][0] : null;
  } catch (err) {
    if (err instanceof SqlError) return null;
    throw err;
  }
}

/** The interval's bounds (from ON, narrowed by WHERE), or null for a regular join. */
function joinBounds(j: StreamJoinQuery): TimeBounds | null {
  let on = UNBOUNDED;
  for (const c of j.others) {
    const b = timeBound(c, [j.left, j.right]);
    if (!b) throw refusal(c, positionOf(c));
    on = intersect(on, b);
  }
  const bounded = (b: TimeBounds) => Number.isFinite(b.lower) && Number.isFinite(b.upper);
  if (j.others.length > 0 && !bounded(on))
    throw new SqlError(
      j.condAt,
      `an interval join bounds ${j.left.alias}'s event time from below and above`,
      `e.g. ${j.left.alias}.ts BETWEEN ${j.right.alias}.ts - INTERVAL '10' SECOND AND ${j.right.alias}.ts + INTERVAL '5' SECOND`,
    );
  let all = on;
  for (const c of j.where ? conjuncts(conditionBody(j.where)) : []) {
    const b = whereBound(c, [j.left, j.right]);
    if (b) all = intersect(all, b);
  }
  return bounded(all) ? all : null;
}

/** A WHERE part's time bound; parts that are not one (any other filter) are left to the filter. */
function whereBound(c: SqlNode, sides: [JoinSide, JoinSide]): TimeBounds | null {
  try {
    return timeBound(c, sides);
  } catch (err) {
    if (err instanceof SqlError) return null;
    throw err;
  }
}

function intervalSpec(b: TimeBounds, at: SqlPosition): IntervalSpec {
  if (b.lower > b.upper)
    throw new SqlError(at, "the join's time bounds leave no interval: no pair of rows can match", "check the bounds");
  const text = (ms: number) => (ms < 0 ? `-${-ms}ms` : `${ms}ms`);
  return { lower: text(b.lower), upper: text(b.upper) };
}

/** What each input shows, as columns of the engine join's output (see runtime/operators/join/output-schema.ts). */
function streamJoinColumns(l: JoinSide, r: JoinSide): Record<string, AliasColumns> {
  const taken = new Set(l.relation.columns);
  const rightName = (c: string) => (taken.has(c) ? `${r.relation.stream}_${c}` : c);
  const right = Object.fromEntries(Object.entries(r.columns).map(([k, v]) => [k, rightName(v)]));
  return { [l.alias]: { ...l.columns }, [r.alias]: right };
}
