import { parseDuration } from "../../contract/spec/duration.js";
import type { WindowSpec } from "../../contract/spec/schema.js";
import { JoinConfigError } from "./errors.js";

/**
 * Event-time windows cut into panes: a pane is gcd(size, slide) long, so every window is a whole
 * number of panes and every row is buffered once, in its pane, however many sliding windows it
 * belongs to. Windows start at multiples of `slide` (epoch-aligned) and cover [start, start + size).
 */
export class Panes {
  readonly size: number;
  readonly slide: number;
  /** Pane length in ms. */
  readonly length: number;

  constructor(op: string, spec: WindowSpec) {
    if (spec.type === "session")
      throw new JoinConfigError(
        op,
        "a windowed join needs a tumbling or sliding window; session windows are not supported for joins",
      );
    if (!spec.size) throw new JoinConfigError(op, `a ${spec.type} window needs \`size\` (e.g. size: 10s)`);
    this.size = parseDuration(spec.size);
    if (spec.type === "sliding") {
      if (!spec.slide) throw new JoinConfigError(op, "a sliding window needs `slide` (e.g. size: 1m, slide: 10s)");
      this.slide = parseDuration(spec.slide);
    } else {
      this.slide = this.size;
    }
    if (this.size <= 0 || this.slide <= 0) throw new JoinConfigError(op, "window size and slide must be positive");
    this.length = gcd(this.size, this.slide);
  }

  /** Start of the pane holding event time t. */
  paneOf(t: number): number {
    return Math.floor(t / this.length) * this.length;
  }

  /** End of the last window that contains the pane starting at p; at or before p when no window does (slide > size). */
  lastWindowEnd(p: number): number {
    return Math.floor(p / this.slide) * this.slide + this.size;
  }

  /** Starts of the windows containing pane p, ascending. */
  windowStarts(p: number): number[] {
    const out: number[] = [];
    const last = Math.floor(p / this.slide) * this.slide;
    for (let s = last; s + this.size > p; s -= this.slide) out.unshift(s);
    return out;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
