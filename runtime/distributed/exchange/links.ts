import type { RecordBatch } from "apache-arrow";
import type { TlsSetting } from "../../contract/tls/files.js";
import type { Barrier } from "../../engine/exchange-ports.js";
import { ChannelDecoder } from "./channel-decoder.js";
import { ChannelEncoder } from "./channel-encoder.js";
import { ChannelCheck, MAX_FRAME_BYTES, RejectedFrameError } from "./frame-check.js";
import { FrameSizeError } from "./frame-reader.js";
import { FrameSocket } from "./frame-socket.js";
import type { ExchangeFrame, ExchangeHello, ExchangeRequest } from "./frames.js";
import type { Inbox } from "./inbound.js";
import type { Link, OutboundChannel } from "./outbound.js";
import { countRejected } from "./rejections.js";
import { dialExchange } from "./transport.js";
import { DATA_HEADER, dataHeader, decodeFrame, encodeFrame, encodeRequest } from "./wire.js";

/**
 * Connections between subtasks. To itself, a subtask hands batches over in memory (no encoding).
 * Between workers, the receiving subtask pulls (see wire.ts): it opens one connection to each
 * other worker (InboundConnection) and that worker's ExchangeServer attaches it to the ServedLink
 * that carries every edge's channel to this receiver.
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

/**
 * The sending end towards one remote receiving subtask: frames go out on the connection that
 * subtask opened to this worker. Until it connects, nothing is ready and the channels hold their
 * data (the producers wait for room, as with any slow receiver).
 */
export class ServedLink implements Link {
  ready = false;
  private conn: FrameSocket | null = null;
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

  get bytesSent(): number {
    return this.conn?.bytesWritten ?? 0;
  }

  /** The receiver connected: start sending what the channels hold (credits permitting). */
  attach(conn: FrameSocket): boolean {
    if (this.conn || this.closed) return false;
    this.conn = conn;
    this.ready = true;
    for (let e = 0; e < this.edgeCount; e++) this.channel(e).pump();
    return true;
  }

  onRequest(req: ExchangeRequest): void {
    if (req.request === "credit") this.channel(req.credit.edge).grant(req.credit.credits);
  }

  /** The receiver's side of the connection closed or failed. */
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
    this.conn!.send(dataHeader(edge, batch.numRows, bytes), ...chunks);
  }

  sendWatermark(edge: number, watermark: number): void {
    this.conn!.send(encodeFrame({ frame: "watermark", watermark: { edge, watermark } }));
  }

  sendBarrier(edge: number, barrier: Barrier): void {
    this.conn!.send(
      encodeFrame({ frame: "barrier", barrier: { edge, checkpointId: barrier.checkpointId, stop: barrier.stop } }),
    );
  }

  sendEnd(edge: number): void {
    this.conn!.send(encodeFrame({ frame: "end", end: { edge } }));
    if (++this.endsSent === this.edgeCount) this.conn!.end();
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.conn?.destroy();
  }
}

/**
 * The receiving end of the connection from one remote sending subtask: asks for this subtask's
 * frames, decodes them into the inbox, and grants credits back as batches are processed.
 */
export class InboundConnection {
  private conn: FrameSocket | null = null;
  private readonly ended = new Set<number>();
  private closed = false;
  private readonly grants = new Map<number, number>();
  private flushing = false;
  /** Each edge's IPC stream state (schema, dictionaries) as this sender sent it on this connection. */
  private readonly decoders = new Map<number, ChannelDecoder>();
  /** What this sender may send next (wire.ts's rules), checked before anything is delivered. */
  private readonly check: ChannelCheck;

  constructor(
    readonly address: string,
    private readonly tls: TlsSetting,
    private readonly hello: ExchangeHello,
    readonly from: number,
    private readonly inbox: Inbox,
    private readonly onError: (err: Error) => void,
  ) {
    this.check = new ChannelCheck(inbox.receivers.keys(), inbox.credits);
  }

  open(): void {
    const conn = new FrameSocket(
      (onread) => dialExchange(this.address, this.tls, onread),
      DATA_HEADER + MAX_FRAME_BYTES,
      {
        frame: (f) => this.receive(f),
        closed: (err) => {
          if (err instanceof FrameSizeError) {
            countRejected("oversized");
            this.fail(`a bad frame: ${err.message} (refused: oversized)`);
          } else if (err) this.fail(err.message);
          else if (this.ended.size < this.inbox.receivers.size)
            this.fail("the sender closed the stream before ending every edge");
        },
      },
    );
    this.conn = conn;
    conn.send(encodeRequest({ request: "hello", hello: this.hello }));
    for (const edge of this.inbox.receivers.keys())
      conn.send(encodeRequest({ request: "credit", credit: { edge, credits: this.inbox.credits } }));
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      const f = decodeFrame(bytes);
      if (f === "ping") return;
      if (!("frame" in f)) {
        this.fail(`the worker refused the stream (${f.code}): ${f.details}`);
        this.conn!.destroy();
        return;
      }
      this.handle(f);
    } catch (err) {
      // Refused and counted: the attempt fails and the job restarts from its last checkpoint.
      if (!(err instanceof RejectedFrameError)) throw err;
      countRejected(err.reason);
      this.fail(`a bad frame: ${err.message}`);
      this.conn!.destroy();
    }
  }

  private handle(f: ExchangeFrame): void {
    const from = this.from;
    this.check.accept(f);
    if (f.frame === "data") {
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
    } else if (f.frame === "watermark") {
      this.inbox.deliver(f.watermark.edge, { kind: "watermark", from, watermark: f.watermark.watermark });
    } else if (f.frame === "barrier") {
      const { edge, checkpointId, stop } = f.barrier;
      this.inbox.deliver(edge, { kind: "barrier", from, barrier: { checkpointId, stop } });
    } else {
      this.ended.add(f.end.edge);
      this.inbox.deliver(f.end.edge, { kind: "end", from });
      if (this.ended.size === this.inbox.receivers.size) {
        this.closed = true;
        this.conn?.end();
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
        this.conn!.send(encodeRequest({ request: "credit", credit: { edge: e, credits } }));
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
    this.conn?.destroy();
  }
}
