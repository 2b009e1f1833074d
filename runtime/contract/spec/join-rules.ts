import { parseSignedDuration } from "./duration.js";
import type { SpecIssue } from "./errors.js";
import type { JoinSpec } from "./schema.js";

/**
 * What a join step's schema cannot say: which of the three joins it is. `window` makes a window
 * join, `between` an interval join, neither a regular join; `stateTtl` only bounds a regular
 * join's state (the other two drop rows once the watermark passes them). Runs on a shape-checked
 * spec, so the durations parse.
 */
export function joinIssues(join: JoinSpec, path: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (join.window && join.between)
    issues.push({
      path: `${path}.between`,
      message: "give window (a window join) or between (an interval join), not both",
    });
  if (join.stateTtl !== undefined && (join.window || join.between))
    issues.push({
      path: `${path}.stateTtl`,
      message: `stateTtl is for a regular join (no window, no between): ${join.window ? "a window" : "an interval"} join already drops rows once the watermark passes them`,
    });
  if (join.between) {
    const { lower, upper } = join.between;
    if (parseSignedDuration(lower) > parseSignedDuration(upper))
      issues.push({
        path: `${path}.between`,
        message: `lower (${lower}) is after upper (${upper}), so no pair of rows could match: swap them`,
      });
  }
  return issues;
}
