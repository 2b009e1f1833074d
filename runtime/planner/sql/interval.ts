import { SqlError } from "./sql-error.js";
import { findRule, nameOf, positionOf, type SqlNode, tokensOf } from "./tree.js";

const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/**
 * `INTERVAL '10' SECOND` (timeIntervalExpression) in milliseconds. Months and years have no fixed
 * length and are refused.
 */
export function intervalMillis(n: SqlNode): number {
  const value = findRule(n, "intervalValue");
  const unitNode = findRule(n, "timeIntervalUnit");
  const unit = (unitNode ? (tokensOf(unitNode)[0] ?? "") : "").toUpperCase().replace(/S$/, "");
  const amount = value ? Number(nameOf(value)) : Number.NaN;
  const ms = UNIT_MS[unit];
  if (!Number.isFinite(amount) || ms === undefined)
    throw new SqlError(
      positionOf(n),
      `unsupported interval ${tokensOf(n).join(" ")}`,
      "write INTERVAL 'n' MILLISECOND|SECOND|MINUTE|HOUR|DAY",
    );
  return amount * ms;
}

/** Milliseconds as a spec duration: the largest unit that divides it (10000 → 10s). */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const)
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
