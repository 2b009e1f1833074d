import type { OnReadOpts, Socket } from "node:net";
import { FrameReader } from "./frame-reader.js";
import { PING } from "./wire.js";

/** When to ping and when to give up on a silent peer. */
export interface Liveness {
  /** A ping goes out when nothing else went out for this long, so the peer knows this side is alive. */
  pingMs: number;
  /** A peer heard from neither frame nor ping for this long is gone (its host vanished, no TCP reset). */
  silenceMs: number;
}
export const LIVENESS: Liveness = { pingMs: 5_000, silenceMs: 20_000 };

export interface FrameSocketHandlers {
  /** A whole frame (wire.ts); throwing closes the connection with that error. */
  frame(frame: Uint8Array): void;
  /** The connection is over: `error` is null when the peer ended it cleanly. Called once. */
  closed(error: Error | null): void;
}

/** Makes a socket that reads through `onread` (Node's option for reading into buffers of one's own). */
export type SocketReadingInto = (onread: OnReadOpts) => Socket;

/**
 * One exchange connection, either side: frames in (FrameReader), frames out (corked, so a data
 * frame's header and the IPC writer's chunks leave in one write), pings while idle, and a peer
 * that stays silent too long counted as gone (LIVENESS), as gRPC's keepalive did before. A socket
 * this side dials reads straight into the reader's buffers; an accepted one (Node's servers take no
 * `onread`) hands its chunks over.
 */
export class FrameSocket {
  private readonly reader: FrameReader;
  private readonly socket: Socket;
  private lastRead = Date.now();
  private wrote = false;
  private done = false;
  private readonly timer: NodeJS.Timeout;
  bytesWritten = 0;

  constructor(
    socket: Socket | SocketReadingInto,
    maxFrameBytes: number,
    private readonly handlers: FrameSocketHandlers,
    private readonly liveness: Liveness = LIVENESS,
  ) {
    this.reader = new FrameReader(maxFrameBytes, (f) => {
      if (!this.done) handlers.frame(f);
    });
    if (typeof socket === "function") {
      // Node asks for the first buffer while making the socket, so the reader exists first.
      this.socket = socket({
        buffer: () => this.reader.target(),
        callback: (n) => {
          this.read(n);
          return true;
        },
      });
    } else {
      this.socket = socket;
      socket.on("data", (chunk: Buffer) => this.read(chunk));
    }
    this.socket.setNoDelay(true);
    this.socket.on("error", (err) => this.finish(err));
    this.socket.on("close", () => this.finish(null));
    this.timer = setInterval(() => this.tick(), liveness.pingMs);
    this.timer.unref();
  }

  /** Bytes arrived: `n` of them where the reader said (onread), or a chunk to copy in. */
  private read(got: number | Buffer): void {
    this.lastRead = Date.now();
    if (this.done) return;
    try {
      if (typeof got === "number") this.reader.received(got);
      else this.reader.push(got);
    } catch (err) {
      // A FrameSizeError, or what a frame handler threw: either ends this connection only.
      this.destroy(err as Error);
    }
  }

  /** Sends one frame made of `parts` (a header and the chunks that follow it). */
  send(...parts: Uint8Array[]): void {
    if (this.done || this.socket.writableEnded) return;
    this.wrote = true;
    if (parts.length === 1) {
      this.bytesWritten += parts[0]!.byteLength;
      this.socket.write(parts[0]!);
      return;
    }
    this.socket.cork();
    for (const p of parts) {
      this.bytesWritten += p.byteLength;
      this.socket.write(p);
    }
    this.socket.uncork();
  }

  /** Sends what is queued, then closes this side (the peer sees the stream end cleanly). */
  end(): void {
    if (!this.done) this.socket.end();
  }

  /** Closes at once; `error` is what handlers.closed reports (null: a deliberate close). */
  destroy(error: Error | null = null): void {
    if (this.done) return;
    this.finish(error);
    this.socket.destroy();
  }

  get closed(): boolean {
    return this.done;
  }

  private tick(): void {
    const { silenceMs } = this.liveness;
    if (Date.now() - this.lastRead > silenceMs) {
      this.destroy(new Error(`nothing heard for ${silenceMs / 1000} s (did the peer's host vanish?)`));
      return;
    }
    if (!this.wrote) this.send(PING);
    this.wrote = false;
  }

  private finish(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.handlers.closed(error);
  }
}
