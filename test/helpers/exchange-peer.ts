import type { TlsSetting } from "../../runtime/contract/tls/files.js";
import { FrameReader } from "../../runtime/distributed/exchange/frame-reader.js";
import type { ExchangeFrame, ExchangeRefusal, ExchangeRequest } from "../../runtime/distributed/exchange/frames.js";
import { dialExchange } from "../../runtime/distributed/exchange/transport.js";
import { decodeFrame, encodeRequest } from "../../runtime/distributed/exchange/wire.js";

/** How a worker's exchange ended one connection of a raw client. */
export interface ExchangeOutcome {
  /** The worker's refusal, when it sent one. */
  refusal: ExchangeRefusal | null;
  /** The frames it sent (pings left out). */
  frames: ExchangeFrame[];
  /** Why the connection closed: "closed" (cleanly), an error message, or "open" (still open after the wait). */
  ending: string;
}

export interface PeerOptions {
  /** How long to wait for the worker to close the connection (default 5 s). */
  waitMs?: number;
  /** Stop waiting once the frames received satisfy this. */
  until?: (frames: ExchangeFrame[]) => boolean;
  /** Close this side after writing (the worker then sees the stream end, mid-frame or not). */
  end?: boolean;
}

/**
 * A raw exchange client for tests: dials `address`, writes `requests` (encoded, or bytes as they
 * are) and reports what the worker answered, once it closed the connection or `waitMs` passed.
 */
export function exchangeOutcome(
  address: string,
  tls: TlsSetting,
  requests: (ExchangeRequest | Uint8Array)[],
  { waitMs = 5000, until = () => false, end = false }: PeerOptions = {},
): Promise<ExchangeOutcome> {
  const socket = dialExchange(address, tls);
  const out: ExchangeOutcome = { refusal: null, frames: [], ending: "open" };
  const reader = new FrameReader(2 ** 30, (f) => {
    const x = decodeFrame(f);
    if (x === "ping") return;
    if ("frame" in x) out.frames.push(x);
    else out.refusal = x;
  });
  return new Promise((resolve) => {
    const done = (ending: string) => {
      clearTimeout(timer);
      if (out.ending === "open") out.ending = ending;
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => done("open"), waitMs);
    socket.on("data", (d: Buffer) => {
      reader.push(d);
      if (until(out.frames)) done("open");
    });
    socket.on("error", (err) => done(err.message));
    socket.on("close", () => done("closed"));
    for (const r of requests) socket.write(r instanceof Uint8Array ? r : encodeRequest(r));
    if (end) socket.end();
  });
}
