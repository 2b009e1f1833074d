import { RejectedFrameError } from "./frame-check.js";
import type { ExchangeFrame, ExchangeRefusal, ExchangeRequest, RefusalCode } from "./frames.js";

/**
 * The exchange's frames on the wire: a TCP (or mutual-TLS) stream of length-prefixed frames, all
 * integers little-endian:
 *
 *   0  u32 size      the whole frame in bytes, this field included
 *   4  u8  type      HELLO 1, CREDIT 2, PING 3 (receiver to sender; PING either way)
 *                    DATA 16, WATERMARK 17, END 18, BARRIER 19, REFUSED 20 (sender to receiver)
 *   5  u8  flags     HELLO: protocol version; BARRIER: 1 = stop; REFUSED: the code
 *   6  u16 reserved  0
 *   8  u32 edge      HELLO: attempt
 *   12 ...           CREDIT u32 credits; DATA u32 rows, then from 16 the frame's Arrow IPC
 *                    messages; WATERMARK f64; BARRIER u32 checkpoint id; HELLO u32 subtask, then
 *                    from 16 the job name (UTF-8); REFUSED (from 8) the details (UTF-8)
 *
 * Why not gRPC: protobuf framing, grpc-js's copy of every message behind its prefix and its
 * reassembly of every received message cost the exchange about half its CPU (docs/benchmarks.md).
 * Here a data frame goes out as a 16-byte header followed by the IPC writer's own chunks (no copy
 * in the process), and comes in with one copy, into a buffer whose IPC bytes start 8-byte aligned.
 */

export const HELLO = 1;
export const CREDIT = 2;
export const PING_TYPE = 3;
export const DATA = 16;
export const WATERMARK = 17;
export const END = 18;
export const BARRIER = 19;
export const REFUSED = 20;

/** The protocol version a hello carries; a worker refuses any other. */
export const PROTOCOL_VERSION = 1;
/** Bytes ahead of a data frame's IPC messages (a multiple of 8: see above). */
export const DATA_HEADER = 16;
/** The largest request a worker reads: a hello with a job name of up to 1 KiB. */
export const MAX_REQUEST_BYTES = 16 + 1024;

const REFUSAL_CODES: readonly RefusalCode[] = [
  "invalid_argument",
  "failed_precondition",
  "not_found",
  "already_exists",
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

function frame(size: number, type: number, flags = 0): { buf: Buffer; view: DataView } {
  const buf = Buffer.alloc(size);
  const view = new DataView(buf.buffer, buf.byteOffset, size);
  view.setUint32(0, size, true);
  buf[4] = type;
  buf[5] = flags;
  return { buf, view };
}

export const PING: Buffer = frame(8, PING_TYPE).buf;

/** The 16 bytes ahead of a data frame's `ipcBytes` bytes of IPC messages. */
export function dataHeader(edge: number, rows: number, ipcBytes: number): Buffer {
  const { buf, view } = frame(DATA_HEADER, DATA);
  view.setUint32(0, DATA_HEADER + ipcBytes, true);
  view.setUint32(8, edge, true);
  view.setUint32(12, rows, true);
  return buf;
}

/** A frame in one buffer (a data frame's IPC bytes copied in: senders use dataHeader instead). */
export function encodeFrame(f: ExchangeFrame): Buffer {
  switch (f.frame) {
    case "data": {
      const head = dataHeader(f.data.edge, f.data.rows, f.data.ipc.byteLength);
      return Buffer.concat([head, f.data.ipc]);
    }
    case "watermark": {
      const { buf, view } = frame(20, WATERMARK);
      view.setUint32(8, f.watermark.edge, true);
      view.setFloat64(12, f.watermark.watermark, true);
      return buf;
    }
    case "end": {
      const { buf, view } = frame(12, END);
      view.setUint32(8, f.end.edge, true);
      return buf;
    }
    case "barrier": {
      const { buf, view } = frame(16, BARRIER, f.barrier.stop ? 1 : 0);
      view.setUint32(8, f.barrier.edge, true);
      view.setUint32(12, f.barrier.checkpointId, true);
      return buf;
    }
  }
}

export function encodeRequest(r: ExchangeRequest): Buffer {
  if (r.request === "credit") {
    const { buf, view } = frame(16, CREDIT);
    view.setUint32(8, r.credit.edge, true);
    view.setUint32(12, r.credit.credits, true);
    return buf;
  }
  const name = Buffer.from(r.hello.jobName, "utf8");
  const { buf, view } = frame(16 + name.byteLength, HELLO, PROTOCOL_VERSION);
  view.setUint32(8, r.hello.attempt, true);
  view.setUint32(12, r.hello.toSubtask, true);
  buf.set(name, 16);
  return buf;
}

export function encodeRefusal(r: ExchangeRefusal): Buffer {
  const details = Buffer.from(r.details, "utf8");
  const { buf } = frame(8 + details.byteLength, REFUSED, REFUSAL_CODES.indexOf(r.code) + 1);
  buf.set(details, 8);
  return buf;
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A view of `b`, or `fail` when the frame (a `what` frame) is not exactly `expected` bytes. */
function sized(b: Uint8Array, expected: number, what: string, fail: (why: string) => Error): DataView {
  if (b.byteLength !== expected) throw fail(`a ${what} frame of ${b.byteLength} bytes (${expected} expected)`);
  return viewOf(b);
}

const malformed = (why: string) => new RejectedFrameError("malformed", `an exchange frame: ${why}`);

/** A whole frame from a sender (its size already checked by the reader), or RejectedFrameError. */
export function decodeFrame(b: Uint8Array): ExchangeFrame | ExchangeRefusal | "ping" {
  switch (b[4]) {
    case PING_TYPE:
      sized(b, 8, "ping", malformed);
      return "ping";
    case DATA: {
      if (b.byteLength < DATA_HEADER) throw malformed(`a data frame of ${b.byteLength} bytes`);
      const v = viewOf(b);
      return { frame: "data", data: { edge: v.getUint32(8, true), rows: v.getUint32(12, true), ipc: b.subarray(16) } };
    }
    case WATERMARK: {
      const v = sized(b, 20, "watermark", malformed);
      return { frame: "watermark", watermark: { edge: v.getUint32(8, true), watermark: v.getFloat64(12, true) } };
    }
    case END:
      return { frame: "end", end: { edge: sized(b, 12, "end", malformed).getUint32(8, true) } };
    case BARRIER: {
      const v = sized(b, 16, "barrier", malformed);
      if (b[5]! > 1) throw malformed(`a barrier with flags ${b[5]}`);
      return {
        frame: "barrier",
        barrier: { edge: v.getUint32(8, true), checkpointId: v.getUint32(12, true), stop: b[5] === 1 },
      };
    }
    case REFUSED: {
      const code = REFUSAL_CODES[b[5]! - 1];
      if (!code || b.byteLength < 8) throw malformed(`a refusal with code ${b[5]}`);
      return { code, details: text(b.subarray(8), malformed) };
    }
    default:
      throw malformed(`unknown type ${b[4]}`);
  }
}

function text(b: Uint8Array, fail: (why: string) => Error): string {
  try {
    return utf8.decode(b);
  } catch {
    throw fail("text that is not UTF-8");
  }
}

const badRequest = (why: string) => new RejectedFrameError("bad_request", why);

/** A whole request from a receiver, or RejectedFrameError (`bad_request`). */
export function decodeRequest(b: Uint8Array): ExchangeRequest | "ping" {
  switch (b[4]) {
    case PING_TYPE:
      sized(b, 8, "ping", badRequest);
      return "ping";
    case CREDIT: {
      const v = sized(b, 16, "credit", badRequest);
      return { request: "credit", credit: { edge: v.getUint32(8, true), credits: v.getUint32(12, true) } };
    }
    case HELLO: {
      if (b.byteLength < 16) throw badRequest(`a hello of ${b.byteLength} bytes`);
      if (b[5] !== PROTOCOL_VERSION)
        throw badRequest(`a hello for exchange protocol ${b[5]} (this worker speaks ${PROTOCOL_VERSION})`);
      const v = viewOf(b);
      const jobName = text(b.subarray(16), badRequest);
      return { request: "hello", hello: { jobName, attempt: v.getUint32(8, true), toSubtask: v.getUint32(12, true) } };
    }
    default:
      throw badRequest(`an exchange request of unknown type ${b[4]}`);
  }
}
