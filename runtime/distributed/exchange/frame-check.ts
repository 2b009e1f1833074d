import type { ExchangeFrame } from "./frames.js";

/**
 * What a receiving subtask refuses from a sender, and why: every reason is a label of
 * sabot_exchange_rejected_frames_total. A refused frame fails the connection, hence the attempt,
 * and the job restarts from its last checkpoint: nothing of it reaches an operator.
 */
export type RejectReason =
  | "malformed"
  | "unknown_edge"
  | "oversized"
  | "corrupt_ipc"
  | "schema_mismatch"
  | "row_count_mismatch"
  | "over_credit"
  | "after_end"
  | "barrier_out_of_order"
  | "bad_watermark"
  | "bad_request";

export const REJECT_REASONS: readonly RejectReason[] = [
  "malformed",
  "unknown_edge",
  "oversized",
  "corrupt_ipc",
  "schema_mismatch",
  "row_count_mismatch",
  "over_credit",
  "after_end",
  "barrier_out_of_order",
  "bad_watermark",
  "bad_request",
];

export class RejectedFrameError extends Error {
  override name = "RejectedFrameError";
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(`${message} (refused: ${reason})`);
  }
}

/** The largest data frame accepted: well above any frame of `frameRows` rows a sender cuts. */
export const MAX_FRAME_BYTES = 256 * 2 ** 20;

/**
 * The protocol state of one connection from one sender (see wire.ts), checked frame by
 * frame before anything is delivered: data only on a known edge, within the credits granted and
 * before that edge ended; barriers in increasing checkpoint order; watermarks that are numbers.
 */
export class ChannelCheck {
  private readonly credits = new Map<number, number>();
  private readonly ended = new Set<number>();
  private readonly lastBarrier = new Map<number, number>();

  constructor(edges: Iterable<number>, initialCredits: number) {
    for (const e of edges) this.credits.set(e, initialCredits);
  }

  /** This receiver granted `n` more credits on `edge`. */
  granted(edge: number, n: number): void {
    this.credits.set(edge, (this.credits.get(edge) ?? 0) + n);
  }

  /** Throws RejectedFrameError for a frame the protocol does not allow now; records what it allows. */
  accept(f: ExchangeFrame): void {
    const kind = f.frame;
    const body = (f as Record<string, unknown>)[kind ?? ""] as { edge?: unknown } | undefined;
    if (!kind || !body || typeof body !== "object")
      throw new RejectedFrameError("malformed", "an exchange frame with no data, watermark, barrier or end");
    const edge = body.edge;
    if (typeof edge !== "number" || !this.credits.has(edge))
      throw new RejectedFrameError("unknown_edge", `a ${kind} frame for unknown edge ${String(edge)}`);
    if (this.ended.has(edge))
      throw new RejectedFrameError("after_end", `a ${kind} frame on edge ${edge} after its end`);
    if ("data" in f && kind === "data") {
      const left = this.credits.get(edge)!;
      if (left <= 0)
        throw new RejectedFrameError("over_credit", `a data frame on edge ${edge} beyond the credits granted`);
      this.credits.set(edge, left - 1);
      if (f.data.ipc.byteLength > MAX_FRAME_BYTES)
        throw new RejectedFrameError(
          "oversized",
          `a data frame of ${f.data.ipc.byteLength} bytes on edge ${edge} (at most ${MAX_FRAME_BYTES})`,
        );
    } else if ("watermark" in f && kind === "watermark") {
      if (Number.isNaN(f.watermark.watermark))
        throw new RejectedFrameError("bad_watermark", `a watermark on edge ${edge} that is not a number`);
    } else if ("barrier" in f && kind === "barrier") {
      const last = this.lastBarrier.get(edge) ?? 0;
      if (f.barrier.checkpointId <= last)
        throw new RejectedFrameError(
          "barrier_out_of_order",
          `barrier ${f.barrier.checkpointId} on edge ${edge} after barrier ${last}`,
        );
      this.lastBarrier.set(edge, f.barrier.checkpointId);
    } else if (kind === "end") {
      this.ended.add(edge);
    }
  }
}
