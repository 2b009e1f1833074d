import { type ExchangeHandlers, grpc } from "../../contract/rpc/loader.js";
import type { ExchangeFrame, ExchangeRequest } from "../../contract/rpc/messages.js";
import type { Logger } from "../../log.js";
import type { ServedLink } from "./links.js";

type Call = grpc.ServerDuplexStream<ExchangeRequest, ExchangeFrame>;

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
    call.on("data", (req: ExchangeRequest) => {
      if (link) return link.onRequest(req);
      if (hello || !("hello" in req) || req.request !== "hello") {
        early.push(req);
        return;
      }
      hello = true;
      const h = req.hello;
      void this.outboxFor(h.jobName, h.attempt).then((ob) => {
        if (gone) return;
        if (!ob)
          return refuse(grpc.status.FAILED_PRECONDITION, `attempt ${h.attempt} of ${h.jobName} is not running here`);
        const l = ob.links.get(h.toSubtask);
        if (!l) return refuse(grpc.status.NOT_FOUND, `no data for subtask ${h.toSubtask} in attempt ${h.attempt}`);
        if (!l.attach(call)) return refuse(grpc.status.ALREADY_EXISTS, `subtask ${h.toSubtask} is already connected`);
        link = l;
        for (const r of early.splice(0)) l.onRequest(r);
      });
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
