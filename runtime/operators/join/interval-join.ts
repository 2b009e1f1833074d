import { JoinConfigError } from "./errors.js";
import { StreamJoin, type StreamJoinOptions } from "./regular-join.js";

export interface IntervalJoinOptions extends StreamJoinOptions {
  /** A left row matches right rows of its key with right time + lower <= left time <= right time + upper (ms). */
  lower: number;
  upper: number;
}

/**
 * The interval join (Flink's): an inner equi-join of two event-time streams where the left row's
 * time lies within [right time + lower, right time + upper], both ends inclusive (a strict bound
 * in SQL is 1 ms tighter; times are whole milliseconds). Each side's rows are kept until the
 * watermark W shows no row still to come can match them: a left row until W passes its time -
 * lower, a right row until W passes its time + upper. A row older than W when it arrives is late:
 * dropped and counted, as Flink does, since rows it could match may be pruned already.
 *
 * The output's event time is the left row's time. A pair is emitted when its second row arrives,
 * up to -lower behind the watermark when that row is a right row, so the operator holds the
 * watermark it passes on back by max(0, -lower) (`watermarkDelay`), as Flink's row-time interval
 * join does: its output rows are never late downstream.
 */
export class IntervalJoinOperator extends StreamJoin {
  readonly watermarkDelay: number;

  constructor(o: IntervalJoinOptions) {
    const { lower, upper } = o;
    if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper)
      throw new JoinConfigError(
        o.name,
        `the interval's lower bound (${lower} ms) must not be after its upper bound (${upper} ms)`,
      );
    super(
      o,
      {
        // A left row at t meets right rows in [t - upper, t - lower]; a right row at t, left rows in [t + lower, t + upper].
        offsets: [
          [-upper, -lower],
          [lower, upper],
        ],
        lateBefore: (w) => w,
        // Rows still to come are at or after W: a left row at t can meet them while t - lower >= W.
        floor: (side, w) => (side === 0 ? w + lower : w - upper),
      },
      "left",
    );
    this.watermarkDelay = Math.max(0, -lower);
  }
}
