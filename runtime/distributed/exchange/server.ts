import { type ExchangeHandlers, grpc } from "../../contract/rpc/loader.js";
import type { ExchangeFrameOut, ExchangeHello, ExchangeRequest } from "../../contract/rpc/messages.js";
import type { Logger } from "../../log.js";
import type { ServedLink } from "./links.js";
import { countRejected } from "./rejections.js";

type Call = grpc.ServerDuplexStream<ExchangeRequest, ExchangeFrameOut>;

/** Requests a receiver may send before its attempt is deployed here: its credits, one per edge. */
const MAX_EARLY_REQUESTS = 1024;
/** More credits than any receiver grants at once (it grants `credits` per edge, then one per batch). */
const MAX_CREDITS = 2 ** 20;

/** Why a request breaks the protocol (exchange.proto), or null when it does not. */
function requestProblem(req: ExchangeRequest, link: ServedLink | null): string | null {
  if ("hello" in req && req.request === "hello") {
    const h = req.hello;
    if (link) return "a second hello on one exchange stream";
    if (!h || typeof h.jobName !== "string" || h.jobName === "") return "a hello without a job name";
    return null;
  }
  if ("credit" in req && req.request === "credit") {
    const { edge, credits } = req.credit ?? {};
    if (!Number.isInteger(credits) || credits < 1 || credits > MAX_CREDITS)
      return `a credit of ${String(credits)} (1 to ${MAX_CREDITS})`;
    if (link && (!Number.isInteger(edge) || edge < 0 || edge >= link.edgeCount))
      return `a credit for edge ${String(edge)} of ${link.edgeCount}`;
    return null;
  }
  return "an exchange request that is neither a hello nor a credit";
}

/** The sending side of one attempt in one worker: a link per remote receiving subtask. */
export interface Outbox {
  jobName: string;
  attempt: number;
  links: Map<number, ServedLink>;
}

/**
 * A worker's Exchange service. It outlives attempts: a receiving subtask names its attempt in its
 * first request and is attached to that attempt's link, waiting while the attempt is not deployed
 * here yet (nothing is sent until then, so nothing is lost) and refused when it is older than
 * the current one.
 */
export class ExchangeServer {
  private outbox: Outbox | null = null;
  private latestAttempt = -1;
  private waiters = new Set<() => void>();
  readonly handlers: ExchangeHandlers = { Connect: (call) => this.connect(call) };

  constructor(
    private readonly log: Logger,
    private readonly attachTimeoutMs = 60_000,
  ) {}

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

  /** The link a hello names, attached to `call`; null (the call refused) when there is none to attach. */
  private async attach(
    h: ExchangeHello,
    call: Call,
    refuse: (code: grpc.status, details: string) => void,
    gone: () => boolean,
  ): Promise<ServedLink | null> {
    const ob = await this.outboxFor(h.jobName, h.attempt);
    if (gone()) return null;
    if (!ob) {
      refuse(grpc.status.FAILED_PRECONDITION, `attempt ${h.attempt} of ${h.jobName} is not running here`);
      return null;
    }
    const l = ob.links.get(h.toSubtask);
    if (!l) {
      refuse(grpc.status.NOT_FOUND, `no data for subtask ${h.toSubtask} in attempt ${h.attempt}`);
      return null;
    }
    if (!l.attach(call)) {
      refuse(grpc.status.ALREADY_EXISTS, `subtask ${h.toSubtask} is already connected`);
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

  private connect(call: Call): void {
    let link: ServedLink | null = null;
    let hello = false;
    let gone = false;
    const early: ExchangeRequest[] = [];
    const refuse = (code: grpc.status, details: string) => {
      gone = true;
      call.emit("error", { code, details });
    };
    // Whatever a client sends, the worker neither throws nor queues without bound: a request
    // against the protocol ends that stream alone (counted), and the attempt is left to its own.
    const reject = (details: string) => {
      countRejected("bad_request");
      this.log.warn({ details }, "exchange request refused");
      refuse(grpc.status.INVALID_ARGUMENT, details);
    };
    call.on("data", (req: ExchangeRequest) => {
      if (gone) return;
      const problem = requestProblem(req, link);
      if (problem) return reject(problem);
      if (link) return link.onRequest(req);
      if (!hello) {
        if (!("hello" in req) || req.request !== "hello") return reject("the first exchange request must be a hello");
        hello = true;
        void this.attach(req.hello, call, refuse, () => gone).then((l) => {
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
    });
    call.on("end", () => {
      gone = true;
      link?.lost("the receiver closed its stream");
    });
    call.on("cancelled", () => {
      gone = true;
      link?.lost("cancelled (did the receiving worker die?)");
    });
    call.on("error", (err: Error) => {
      gone = true;
      this.log.debug({ err: err.message }, "exchange stream error");
      link?.lost(err.message);
    });
  }
}
