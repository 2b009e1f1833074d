import type { RecordBatch } from "apache-arrow";
import { grpc, openExchangeStream } from "../../contract/rpc/loader.js";
import type { ExchangeFrame, ExchangeFrameOut, ExchangeHello, ExchangeRequest } from "../../contract/rpc/messages.js";
import type { Barrier } from "../../engine/exchange-ports.js";
import { ChannelDecoder } from "./channel-decoder.js";
import { ChannelEncoder } from "./channel-encoder.js";
import { ChannelCheck, RejectedFrameError } from "./frame-check.js";
import type { Inbox } from "./inbound.js";
import type { Link, OutboundChannel } from "./outbound.js";
import { countRejected } from "./rejections.js";

/**
 * Connections between subtasks. To itself, a subtask hands batches over in memory (no encoding).
 * Between workers, the receiving subtask pulls (see exchange.proto): it opens one gRPC stream to
 * each other worker (InboundConnection) and that worker's Exchange service attaches the stream to
 * the ServedLink that carries every edge's channel to this receiver.
 */

/** To this worker's own receivers: batches are passed by reference, credits come back by callback. */
export class LocalLink implements Link {
  readonly ready = true;

  constructor(
    private readonly inbox: Inbox,
    private readonly from: number,
    private readonly channel: (edge: number) => OutboundChannel,
  ) {}

  sendData(edge: number, batch: RecordBatch): void {
    this.inbox.deliver(edge, { kind: "batch", from: this.from, batch, grant: () => this.channel(edge).grant(1) });
  }
  sendWatermark(edge: number, watermark: number): void {
    this.inbox.deliver(edge, { kind: "watermark", from: this.from, watermark });
  }
  sendEnd(edge: number): void {
    this.inbox.deliver(edge, { kind: "end", from: this.from });
  }
  sendBarrier(edge: number, barrier: Barrier): void {
    this.inbox.deliver(edge, { kind: "barrier", from: this.from, barrier });
  }
}

type ServerCall = grpc.ServerDuplexStream<ExchangeRequest, ExchangeFrameOut>;

/**
 * The sending end towards one remote receiving subtask: frames go out on the stream that subtask
 * opened to this worker. Until it connects, nothing is ready and the channels hold their data
 * (the producers wait for room, as with any slow receiver).
 */
export class ServedLink implements Link {
  ready = false;
  bytesSent = 0;
  private call: ServerCall | null = null;
  private endsSent = 0;
  private closed = false;
  /** Each edge's IPC stream state on this connection: a dictionary crosses once per channel. */
  private readonly encoders: ChannelEncoder[];

  constructor(
    readonly toSubtask: number,
    readonly edgeCount: number,
    private readonly channel: (edge: number) => OutboundChannel,
    private readonly onError: (err: Error) => void,
  ) {
    this.encoders = Array.from({ length: edgeCount }, () => new ChannelEncoder());
  }

  /** The receiver connected: start sending what the channels hold (credits permitting). */
  attach(call: ServerCall): boolean {
    if (this.call || this.closed) return false;
    this.call = call;
    this.ready = true;
    for (let e = 0; e < this.edgeCount; e++) this.channel(e).pump();
    return true;
  }

  onRequest(req: ExchangeRequest): void {
    if ("credit" in req && req.request === "credit") this.channel(req.credit.edge).grant(req.credit.credits);
  }

  /** The receiver's side of the stream closed or failed. */
  lost(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    // Once every edge has ended, the receiver may close as it likes.
    if (this.endsSent < this.edgeCount)
      this.onError(new Error(`the exchange connection to subtask ${this.toSubtask} broke: ${reason}`));
  }

  sendData(edge: number, batch: RecordBatch): void {
    const { chunks, bytes } = this.encoders[edge]!.encodeChunks(batch);
    this.bytesSent += bytes;
    this.call!.write({ data: { edge, ipc: chunks, rows: batch.numRows } });
  }

  sendWatermark(edge: number, watermark: number): void {
    this.call!.write({ watermark: { edge, watermark } });
  }

  sendBarrier(edge: number, barrier: Barrier): void {
    this.call!.write({ barrier: { edge, checkpointId: barrier.checkpointId, stop: barrier.stop } });
  }

  sendEnd(edge: number): void {
    this.call!.write({ end: { edge } });
    if (++this.endsSent === this.edgeCount) this.call!.end();
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.call?.emit("error", { code: grpc.status.CANCELLED, details: "the sending attempt was cancelled" });
  }
}

/**
 * The receiving end of the connection from one remote sending subtask: asks for this subtask's
 * frames, decodes them into the inbox, and grants credits back as batches are processed.
 */
export class InboundConnection {
  private call: grpc.ClientDuplexStream<ExchangeRequest, ExchangeFrame> | null = null;
  private readonly ended = new Set<number>();
  private closed = false;
  private readonly grants = new Map<number, number>();
  private flushing = false;
  /** Each edge's IPC stream state (schema, dictionaries) as this sender sent it on this connection. */
  private readonly decoders = new Map<number, ChannelDecoder>();
  /** What this sender may send next (exchange.proto's rules), checked before anything is delivered. */
  private readonly check: ChannelCheck;

  constructor(
    private readonly client: grpc.Client,
    readonly address: string,
    private readonly hello: ExchangeHello,
    readonly from: number,
    private readonly inbox: Inbox,
    private readonly onError: (err: Error) => void,
  ) {
    this.check = new ChannelCheck(inbox.receivers.keys(), inbox.credits);
  }

  open(): void {
    const call = openExchangeStream(this.client);
    this.call = call;
    call.on("data", (f: ExchangeFrame) => {
      if (this.closed) return;
      try {
        this.handle(f);
      } catch (err) {
        // Refused and counted: the attempt fails and the job restarts from its last checkpoint.
        if (err instanceof RejectedFrameError) countRejected(err.reason);
        this.fail(`a bad frame: ${(err as Error).message}`);
        call.cancel();
      }
    });
    call.on("error", (err: Error) => this.fail(err.message));
    call.on("end", () => {
      if (this.ended.size < this.inbox.receivers.size)
        this.fail("the sender closed the stream before ending every edge");
    });
    call.write({ hello: this.hello });
    for (const edge of this.inbox.receivers.keys()) call.write({ credit: { edge, credits: this.inbox.credits } });
  }

  private handle(f: ExchangeFrame): void {
    const from = this.from;
    this.check.accept(f);
    if ("data" in f && f.frame === "data") {
      const { edge, ipc, rows } = f.data;
      let decoder = this.decoders.get(edge);
      if (!decoder) {
        decoder = new ChannelDecoder(this.inbox.receivers.get(edge)!.schema);
        this.decoders.set(edge, decoder);
      }
      this.inbox.deliver(edge, {
        kind: "batch",
        from,
        batch: decoder.decode(ipc, rows),
        grant: () => this.grant(edge),
      });
    } else if ("watermark" in f && f.frame === "watermark") {
      this.inbox.deliver(f.watermark.edge, { kind: "watermark", from, watermark: f.watermark.watermark });
    } else if ("barrier" in f && f.frame === "barrier") {
      const { edge, checkpointId, stop } = f.barrier;
      this.inbox.deliver(edge, { kind: "barrier", from, barrier: { checkpointId, stop } });
    } else if ("end" in f && f.frame === "end") {
      this.ended.add(f.end.edge);
      this.inbox.deliver(f.end.edge, { kind: "end", from });
      if (this.ended.size === this.inbox.receivers.size) {
        this.closed = true;
        this.call?.end();
      }
    }
  }

  /** Credits go back in small groups: one message per processed batch would double the frames. */
  private grant(edge: number): void {
    this.grants.set(edge, (this.grants.get(edge) ?? 0) + 1);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      if (this.closed) return;
      for (const [e, credits] of this.grants) {
        this.check.granted(e, credits);
        this.call!.write({ credit: { edge: e, credits } });
      }
      this.grants.clear();
    });
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onError(new Error(`the exchange connection from subtask ${this.from} (${this.address}) broke: ${reason}`));
  }

  abort(): void {
    this.closed = true;
    this.call?.cancel();
  }
}
