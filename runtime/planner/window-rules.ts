import { isDuration, parseDuration } from "../contract/spec/duration.js";
import type { WindowSpec } from "../contract/spec/schema.js";

/**
 * Window rules the operators do not enforce. A sliding window whose slide is larger than its size
 * leaves gaps of event time that belong to no window: rows there would be dropped without a word.
 * Flink SQL refuses such a HOP too (its size must be a multiple of its slide), so Sabot refuses it
 * rather than sample silently. Malformed durations are left to the operator's own message.
 */
export function checkWindowShape(window: WindowSpec): void {
  if (window.type !== "sliding" || window.size === undefined || window.slide === undefined) return;
  if (!isDuration(window.size) || !isDuration(window.slide)) return;
  if (parseDuration(window.slide) > parseDuration(window.size))
    throw new Error(
      `sliding window slide ${window.slide} is larger than its size ${window.size}: events between windows would belong to no window; use a slide of at most ${window.size} (equal makes it tumbling)`,
    );
}
