import { bareColumn } from "./expression-text.js";
import type { JoinSide } from "./join-side.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import { childrenOf, labelOf, pathOf, positionOf, ruleOf, type SqlNode, tokensOf } from "./tree.js";

/** A column of one input of a join, as the ON condition names it. */
export interface SideColumn {
  side: 0 | 1;
  /** The name the input shows (an alias in its select list, or the column). */
  name: string;
  at: SqlPosition;
}

/** `L.a = R.b`: the column of the left input, then of the right. */
export interface Equality {
  left: SideColumn;
  right: SideColumn;
  at: SqlPosition;
}

export const INTERVAL_JOIN_HINT =
  "write the join as FROM a JOIN b ON a.k = b.k, adding AND a.ts BETWEEN b.ts - INTERVAL 'n' SECOND AND b.ts + INTERVAL 'm' SECOND for an interval join (ts: each input's watermarked column)";

/**
 * The ON condition as equalities of one column of each input, joined by AND: the only conditions
 * the window and lookup joins evaluate. Anything else is refused where it is.
 */
export function equalities(cond: SqlNode, sides: [JoinSide, JoinSide]): Equality[] {
  const { eqs, others } = splitCondition(cond, sides);
  if (others.length > 0) throw refusal(others[0], positionOf(others[0]));
  return eqs;
}

/** The ON condition's AND-ed parts: equalities of a column of each input, and the other parts. */
export function splitCondition(cond: SqlNode, sides: [JoinSide, JoinSide]): { eqs: Equality[]; others: SqlNode[] } {
  const eqs: Equality[] = [];
  const others: SqlNode[] = [];
  for (const c of conjuncts(conditionBody(cond))) {
    const e = equality(c, sides);
    if (e) eqs.push(e);
    else others.push(c);
  }
  return { eqs, others };
}

/** The expression under ON (or WHERE). */
export function conditionBody(cond: SqlNode): SqlNode {
  return childrenOf(cond).find((c) => ruleOf(c) !== undefined) ?? cond;
}

function equality(c: SqlNode, sides: [JoinSide, JoinSide]): Equality | null {
  const at = positionOf(c);
  const cmp = findComparison(c);
  const parts = cmp ? childrenOf(cmp).filter((x) => ruleOf(x) !== undefined) : [];
  const op = parts.find((x) => ruleOf(x) === "comparisonOperator");
  const [a, b] = parts.filter((x) => x !== op).map((x) => bareColumn(x));
  if (!op || tokensOf(op).join("") !== "=" || !a || !b) return null;
  const x = sideColumn(a, sides);
  const y = sideColumn(b, sides);
  if (x.side === y.side)
    throw new SqlError(at, "a join condition compares a column of each input", "filter one input in WHERE");
  return x.side === 0 ? { left: x, right: y, at } : { left: y, right: x, at };
}

export function refusal(c: SqlNode, at: SqlPosition): SqlError {
  const words = tokensOf(c).map((t) => t.toUpperCase());
  if (words.includes("BETWEEN") || words.includes("INTERVAL") || words.some((w) => w === "<" || w === ">"))
    return new SqlError(
      at,
      "an interval join bounds the two inputs' event times, which this join's inputs do not both have",
      "join two tables (or views) with watermarks, not window TVF inputs or a lookup table; bound their watermarked columns",
    );
  return new SqlError(
    at,
    "a join condition is equalities of a column of each input, joined by AND",
    "move other conditions to WHERE",
  );
}

/** The AND-ed parts of a condition (a part in parentheses stays one part). */
export function conjuncts(n: SqlNode): SqlNode[] {
  const kids = childrenOf(n);
  if (labelOf(n) === "LogicalBinary" && kids.some((c) => c.symbol?.text?.toUpperCase() === "AND"))
    return kids.filter((c) => ruleOf(c) !== undefined).flatMap(conjuncts);
  return [n];
}

/** The Comparison under single-child wrappers, if that is what n is. */
function findComparison(n: SqlNode): SqlNode | undefined {
  for (let cur: SqlNode | undefined = n; cur; ) {
    if (labelOf(cur) === "Comparison") return cur;
    const kids = childrenOf(cur);
    cur = kids.length === 1 ? kids[0] : undefined;
  }
  return undefined;
}

/** Which input a column of the condition belongs to: by its alias, or the one input that has it. */
export function sideColumn(n: SqlNode, sides: [JoinSide, JoinSide]): SideColumn {
  const parts = pathOf(n);
  const name = parts[parts.length - 1];
  const at = positionOf(n);
  const shows = (s: JoinSide) =>
    Object.hasOwn(s.columns, name) ||
    (s.bounds?.start.includes(name) ?? false) ||
    (s.bounds?.end.includes(name) ?? false);
  const candidates = ([0, 1] as const).filter((i) =>
    parts.length === 2 ? sides[i].alias === parts[0] : parts.length === 1,
  );
  if (candidates.length === 0)
    throw new SqlError(
      at,
      `unknown table or alias ${parts.slice(0, -1).join(".")}`,
      `the join's inputs: ${sides.map((s) => s.alias).join(", ")}`,
    );
  const hits = candidates.filter((i) => shows(sides[i]));
  if (hits.length === 0) throw new SqlError(at, `unknown column ${parts.join(".")}`);
  if (hits.length > 1)
    throw new SqlError(
      at,
      `column ${name} is ambiguous: both inputs of the join have it`,
      `write ${sides[0].alias}.${name} or ${sides[1].alias}.${name}`,
    );
  return { side: hits[0], name, at };
}
