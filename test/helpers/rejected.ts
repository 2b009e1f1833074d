import { RejectedFrameError } from "../../runtime/distributed/exchange/frame-check.js";

/** Why the exchange refused what `f` did (a RejectedFrameError's reason), "accepted", or what else it threw. */
export function reasonOf(f: () => unknown): string {
  try {
    f();
    return "accepted";
  } catch (err) {
    return err instanceof RejectedFrameError ? err.reason : `threw ${(err as Error).message}`;
  }
}
