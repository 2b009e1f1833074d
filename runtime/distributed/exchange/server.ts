import type { Socket } from "node:net";
import type { TlsSetting } from "../../contract/tls/files.js";
import type { Logger } from "../../log.js";
import { RejectedFrameError } from "./frame-check.js";
import { FrameSizeError } from "./frame-reader.js";
import { FrameSocket } from "./frame-socket.js";
import type { ExchangeHello, ExchangeRefusal, ExchangeRequest, RefusalCode } from "./frames.js";
import type { ServedLink } from "./links.js";
import { countRejected } from "./rejections.js";
import { type ExchangeListener, listenExchange } from "./transport.js";
import { decodeRequest, encodeRefusal, MAX_REQUEST_BYTES } from "./wire.js";

/** Requests a receiver may send before its attempt is deployed here: its credits, one per edge. */
const MAX_EARLY_REQUESTS = 1024;
/** More credits than any receiver grants at once (it grants `credits` per edge, then one per batch). */
const MAX_CREDITS = 2 ** 20;

/** Why a request breaks the protocol (wire.ts), or null when it does not. */
function requestProblem(req: ExchangeRequest, link: ServedLink | null): string | null {
  if (req.request === "hello") {
    if (link) return "a second hello on one exchange stream";
    if (req.hello.jobName === "") return "a hello without a job name";
    return null;
  }
  const { edge, credits } = req.credit;
  if (credits < 1 || credits > MAX_CREDITS) return `a credit of ${credits} (1 to ${MAX_CREDITS})`;
  if (link && edge >= link.edgeCount) return `a credit for edge ${edge} of ${link.edgeCount}`;
  return null;
}

/** The sending side of one attempt in one worker: a link per remote receiving subtask. */
export interface Outbox {
  jobName: string;
  attempt: number;
  links: Map<number, ServedLink>;
}

/**
 * A worker's exchange service. It outlives attempts: a receiving subtask names its attempt in its
 * first request and is attached to that attempt's link, waiting while the attempt is not deployed
 * here yet (nothing is sent until then, so nothing is lost) and refused when it is older than
 * the current one.
 */
export class ExchangeServer {
  private outbox: Outbox | null = null;
  private latestAttempt = -1;
  private waiters = new Set<() => void>();
  private listener: ExchangeListener | null = null;

  constructor(
    private readonly log: Logger,
    private readonly attachTimeoutMs = 60_000,
  ) {}

  /** Listens on host:port (0: any free port); returns the port. */
  async listen(host: string, port: number, tls: TlsSetting): Promise<number> {
    this.listener = await listenExchange(
      host,
      port,
      tls,
      (socket) => this.connect(socket),
      (err) => this.log.debug({ err: err.message }, "exchange TLS handshake failed"),
    );
    return this.listener.port;
  }

  /** Stops listening; connections still open after `graceMs` are dropped. */
  async close(graceMs = 0): Promise<void> {
    await this.listener?.close(graceMs);
    this.listener = null;
  }

  /** Makes `outbox` the current attempt's (null: none). */
  setOutbox(outbox: Outbox | null): void {
    this.outbox = outbox;
    if (outbox) this.latestAttempt = Math.max(this.latestAttempt, outbox.attempt);
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** Clears `outbox` if it is still the current one (a newer attempt's is left alone). */
  clearOutbox(outbox: Outbox): void {
    if (this.outbox === outbox) this.setOutbox(null);
  }

  /** A new coordinator numbers attempts afresh: forget the attempts of the previous one. */
  reset(): void {
    this.setOutbox(null);
    this.latestAttempt = -1;
  }

  /** The link a hello names, attached to `conn`; null (the stream refused) when there is none to attach. */
  private async attach(
    h: ExchangeHello,
    conn: FrameSocket,
    refuse: (code: RefusalCode, details: string) => void,
  ): Promise<ServedLink | null> {
    const ob = await this.outboxFor(h.jobName, h.attempt);
    if (conn.closed) return null;
    if (!ob) {
      refuse("failed_precondition", `attempt ${h.attempt} of ${h.jobName} is not running here`);
      return null;
    }
    const l = ob.links.get(h.toSubtask);
    if (!l) {
      refuse("not_found", `no data for subtask ${h.toSubtask} in attempt ${h.attempt}`);
      return null;
    }
    if (!l.attach(conn)) {
      refuse("already_exists", `subtask ${h.toSubtask} is already connected`);
      return null;
    }
    return l;
  }

  private async outboxFor(jobName: string, attempt: number): Promise<Outbox | null> {
    const deadline = Date.now() + this.attachTimeoutMs;
    for (;;) {
      const ob = this.outbox;
      if (ob && ob.attempt === attempt && ob.jobName === jobName) return ob;
      if (this.latestAttempt > attempt || Date.now() > deadline) return null;
      await new Promise<void>((r) => {
        this.waiters.add(r);
        setTimeout(r, 500).unref();
      });
    }
  }

  private connect(socket: Socket): void {
    let link: ServedLink | null = null;
    let hello = false;
    const early: ExchangeRequest[] = [];
    let refused = false;
    const refuse = (code: RefusalCode, details: string) => {
      if (refused) return;
      refused = true;
      const r: ExchangeRefusal = { code, details };
      conn.send(encodeRefusal(r));
      conn.end();
      // A peer that does not close its side in time is cut off.
      setTimeout(() => conn.destroy(), 1000).unref();
    };
    // Whatever a client sends, the worker neither throws nor queues without bound: a request
    // against the protocol ends that stream alone (counted), and the attempt is left to its own.
    const reject = (details: string) => {
      countRejected("bad_request");
      this.log.warn({ details }, "exchange request refused");
      refuse("invalid_argument", details);
    };
    const onRequest = (req: ExchangeRequest) => {
      const problem = requestProblem(req, link);
      if (problem) return reject(problem);
      if (link) return link.onRequest(req);
      if (!hello) {
        if (req.request !== "hello") return reject("the first exchange request must be a hello");
        hello = true;
        void this.attach(req.hello, conn, refuse).then((l) => {
          if (!l) return;
          link = l;
          for (const r of early.splice(0)) {
            const p = requestProblem(r, l);
            if (p) return reject(p);
            l.onRequest(r);
          }
        });
        return;
      }
      if (early.length >= MAX_EARLY_REQUESTS)
        return reject(`over ${MAX_EARLY_REQUESTS} requests before the attempt was deployed`);
      early.push(req);
    };
    const conn = new FrameSocket(socket, MAX_REQUEST_BYTES, {
      frame: (f) => {
        if (refused) return;
        try {
          const req = decodeRequest(f);
          if (req !== "ping") onRequest(req);
        } catch (err) {
          if (!(err instanceof RejectedFrameError)) throw err;
          reject(err.message);
        }
      },
      closed: (err) => {
        if (err instanceof FrameSizeError) {
          countRejected("bad_request");
          this.log.warn({ details: err.message }, "exchange request refused");
        } else if (err) this.log.debug({ err: err.message }, "exchange stream error");
        link?.lost(err ? err.message : "the receiver closed its stream");
      },
    });
  }
}
