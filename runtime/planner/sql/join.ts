import type { WindowSpec } from "../../contract/spec/schema.js";
import { type Equality, refusal, splitCondition } from "./join-condition.js";
import { compileLookupJoin } from "./join-lookup.js";
import { compileStreamJoin } from "./join-regular.js";
import { type AliasColumns, joinRelation } from "./join-scope.js";
import { type JoinSide, readJoinSide } from "./join-side.js";
import type { QueryContext } from "./query-context.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { childOf, childrenOf, positionOf, type SqlNode } from "./tree.js";

/** Whether a FROM item is a join (`a JOIN b ON ...`), which compileJoin reads. */
export function isJoin(te: SqlNode): boolean {
  return childrenOf(te, "tableExpression").length > 1;
}

/**
 * `L JOIN R ON ...` onto the engine's joins: a window join when both inputs are windowed alike
 * (window TVF rows, or window aggregates joined on their window bounds as q8 does), a lookup join
 * when R is read `FOR SYSTEM_TIME AS OF`, else a regular join, or an interval join when ON (or the
 * query's `where`) bounds the inputs' event times against each other (join-regular.ts).
 */
export function compileJoin(ctx: QueryContext, te: SqlNode, label: string, where?: SqlNode): Relation {
  const [leftNode, rightNode] = childrenOf(te, "tableExpression");
  const cond = childOf(te, "joinCondition");
  const words = childrenOf(te)
    .filter((c) => c.symbol)
    .map((c) => c.symbol!.text!.toUpperCase());
  const at = positionOf(rightNode);
  if (!cond)
    throw new SqlError(
      childOf(te, "usingClause") ? positionOf(childOf(te, "usingClause")!) : at,
      `${words.join(" ") || "a comma-separated FROM"}: only JOIN ... ON is supported`,
      "write the join condition as ON L.k = R.k",
    );
  const left = readJoinSide(ctx, leftNode, label);
  const right = readJoinSide(ctx, rightNode, label);
  if (left.kind === "lookup") throw new SqlError(left.at, "FOR SYSTEM_TIME AS OF belongs on the right input of a join");
  if (left.alias === right.alias)
    throw new SqlError(at, `both inputs of the join are named ${left.alias}`, "give one an alias: JOIN t AS other");
  const sides: [JoinSide, JoinSide] = [left, right];
  const { eqs, others } = splitCondition(cond, sides);
  const windowed = left.kind === "tvf" || right.kind === "tvf" || equatesBounds(sides, eqs);
  if (right.kind !== "lookup" && !windowed)
    return compileStreamJoin(ctx, { left, right, eqs, others, where, words, label, at, condAt: positionOf(cond) });
  if (others.length > 0) throw refusal(others[0], positionOf(others[0]));
  if (right.kind === "lookup") return compileLookupJoin(ctx, { left, right, eqs, words, label, at });
  if (words.some((w) => w !== "JOIN" && w !== "INNER"))
    throw new SqlError(at, `${words.join(" ")}: only inner window joins are supported yet`);
  if (left.kind !== right.kind || JSON.stringify(left.window) !== JSON.stringify(right.window))
    throw new SqlError(
      at,
      "a window join needs both inputs windowed by the same window table function",
      "use the same TUMBLE or HOP (and intervals) on both sides, and either both aggregated or neither",
    );
  return windowJoin(ctx, sides, eqs, label, positionOf(cond));
}

/** Two window aggregates with an equality of window bounds: a join of windows (q8), not a regular join. */
function equatesBounds(sides: [JoinSide, JoinSide], eqs: Equality[]): boolean {
  const isBound = (s: JoinSide, name: string) =>
    (s.bounds?.start.includes(name) ?? false) || (s.bounds?.end.includes(name) ?? false);
  return (
    sides.every((s) => s.kind === "windowed") &&
    eqs.some((e) => isBound(sides[0], e.left.name) && isBound(sides[1], e.right.name))
  );
}

function windowJoin(
  ctx: QueryContext,
  sides: [JoinSide, JoinSide],
  eqs: Equality[],
  label: string,
  at: { line: number; column: number },
): Relation {
  const [left, right] = sides;
  const isBound = (which: "start" | "end", side: JoinSide, name: string) => (side.bounds?.[which] ?? []).includes(name);
  const bound = (which: "start" | "end") =>
    eqs.some((e) => isBound(which, left, e.left.name) && isBound(which, right, e.right.name));
  for (const which of ["start", "end"] as const)
    if (!bound(which))
      throw new SqlError(
        at,
        `a window join's condition equates both inputs' window_${which}`,
        `add AND ${left.alias}.window_${which} = ${right.alias}.window_${which} (or the names the inputs give them)`,
      );
  const windowed = left.kind === "windowed";
  const boundOf = (side: JoinSide, name: string) =>
    isBound("start", side, name) ? "start" : isBound("end", side, name) ? "end" : undefined;
  for (const e of eqs)
    if (boundOf(left, e.left.name) !== boundOf(right, e.right.name))
      throw new SqlError(
        e.at,
        "a window join compares window_start with window_start, window_end with window_end, and other columns with each other",
      );
  // Window TVF rows: the bounds are the join window's own, so they are not keys.
  const keys = eqs.filter((e) => windowed || boundOf(left, e.left.name) === undefined);
  if (keys.length === 0)
    throw new SqlError(
      at,
      "a window join needs a key: an equality besides the window bounds",
      "e.g. ON L.id = R.seller AND ...",
    );
  const inputs = windowed ? sides.map((s) => renameBounds(ctx, s, label)) : sides;
  const [l, r] = inputs;
  const stream = ctx.addStep(
    {
      from: l.relation.stream,
      join: {
        with: r.relation.stream,
        leftKey: keys.map((e) => l.columns[e.left.name]),
        rightKey: keys.map((e) => r.columns[e.right.name]),
        window: windowed ? joinWindowOf(left.window!) : left.window!,
      },
    },
    `${label}.join`,
    at,
  );
  return joinRelation(ctx, stream, joinedColumns(l, r), label, at, "window_end");
}

/**
 * Window aggregates joined on their bounds: the window bounds are keys, so any tumbling join
 * window that puts rows of equal bounds together is exact. Rows of one window share one event
 * time, so a join window as long as the windows' spacing holds each window's rows once.
 */
function joinWindowOf(w: WindowSpec): WindowSpec {
  const size = w.type === "sliding" ? w.slide! : w.type === "session" ? w.gap! : w.size!;
  return { type: "tumbling", size };
}

/** The engine's join adds window_start/window_end: an input's own are renamed before it. */
function renameBounds(ctx: QueryContext, side: JoinSide, label: string): JoinSide {
  const { relation } = side;
  const clash: string[] = relation.columns.filter((c) => c === "window_start" || c === "window_end");
  if (clash.length === 0) return side;
  const renamed = (c: string) => (clash.includes(c) ? `${side.alias}$${c}` : c);
  const stream = ctx.addStep(
    { from: relation.stream, select: relation.columns.map((c) => `${quoteName(c)} AS ${quoteName(renamed(c))}`) },
    `${label}.${side.alias}.bounds`,
    side.at,
  );
  const columns = Object.fromEntries(Object.entries(side.columns).map(([k, v]) => [k, renamed(v)]));
  const timeColumn = relation.timeColumn && renamed(relation.timeColumn);
  const hidden = relation.hidden?.map(renamed);
  return {
    ...side,
    columns,
    relation: { ...relation, stream, columns: relation.columns.map(renamed), timeColumn, hidden },
  };
}

/** What each input shows, as columns of the engine join's output (see runtime/operators/join/output-schema.ts). */
function joinedColumns(l: JoinSide, r: JoinSide): Record<string, AliasColumns> {
  const taken = new Set([...l.relation.columns, "window_start", "window_end"]);
  const rightName = (c: string) => (taken.has(c) ? `${r.relation.stream}_${c}` : c);
  const shown = (side: JoinSide, to: (c: string) => string): AliasColumns => {
    const out: AliasColumns = Object.fromEntries(Object.entries(side.columns).map(([k, v]) => [k, to(v)]));
    if (side.kind === "tvf") {
      for (const n of side.bounds!.start) out[n] = "window_start";
      for (const n of side.bounds!.end) out[n] = "window_end";
    }
    return out;
  };
  return { [l.alias]: shown(l, (c) => c), [r.alias]: shown(r, rightName) };
}
