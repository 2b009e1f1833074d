import type { ExchangeFrame, ExchangeFrameOut } from "./messages.js";

/**
 * ExchangeFrame's data frames on the wire, written and read by hand; every other frame (and
 * anything a data frame's fast path does not recognise) goes through protobufjs as before. The
 * bytes are plain protobuf, so either side may be the generic one.
 *
 * Why: protobufjs copies the IPC bytes into a buffer of its own on the way out, and a sender would
 * first join the IPC writer's chunks into one buffer; here the chunks are written once, into a
 * scratch buffer that grpc-js copies (with its 5-byte prefix) before serialize is called again.
 * On the way in, the IPC bytes start at an 8-byte boundary of the buffer grpc-js assembled a large
 * message in, so Arrow's typed arrays can view them without a copy (channel-decoder.ts).
 */

/** Field order of a data frame as written: edge, rows, then the IPC bytes (any order is valid protobuf). */
const FRAME_DATA_TAG = 0x0a; // ExchangeFrame.data = 1, length-delimited
const EDGE_TAG = 0x08; // ExchangeData.edge = 1, varint
const IPC_TAG = 0x12; // ExchangeData.ipc = 2, length-delimited
const ROWS_TAG = 0x18; // ExchangeData.rows = 3, varint
/** grpc-js's length prefix (compressed flag + uint32) ahead of the message in its receive buffer. */
const GRPC_PREFIX = 5;
const MAX_VARINT32 = 5;

/** Frames up to this size are written into one scratch buffer; a larger one gets its own (not kept). */
const SCRATCH_MAX = 8 * 2 ** 20;
let scratch = Buffer.allocUnsafe(1 << 20);

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` in exactly `size` bytes (a non-minimal varint pads; every protobuf parser accepts it). */
function writeVarint(buf: Uint8Array, at: number, v: number, size: number): number {
  for (let i = 0; i < size - 1; i++) {
    buf[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

/**
 * How many bytes the frame-length, edge and IPC-length varints take: minimal, then padded (the
 * frame length's first, which changes no length it counts) until grpc-js's prefix plus the header
 * ahead of the IPC bytes is a multiple of 8. `rest`: the header's other bytes (tags, rows).
 */
function headerSizes(edge: number, ipcLen: number, rest: number): [number, number, number] {
  let s1 = varintSize(edge);
  let s2 = varintSize(ipcLen);
  let s0 = varintSize(rest + s1 + s2 + ipcLen);
  let pad = (8 - ((GRPC_PREFIX + 1 + s0 + rest + s1 + s2) % 8)) % 8;
  const take = (size: number) => {
    const n = Math.min(pad, MAX_VARINT32 - size);
    pad -= n;
    return size + n;
  };
  // Once the frame-length varint is 5 bytes wide it fits any length the others can grow to.
  s0 = take(s0);
  s1 = take(s1);
  s2 = take(s2);
  return [s0, s1, s2];
}

function ipcLength(ipc: Uint8Array | readonly Uint8Array[]): number {
  if (ipc instanceof Uint8Array) return ipc.byteLength;
  let n = 0;
  for (const c of ipc) n += c.byteLength;
  return n;
}

/**
 * A data frame's bytes, in the shared scratch buffer (up to SCRATCH_MAX): valid only until the
 * next call. grpc-js's server copies a response into its own framed buffer as soon as serialize
 * returns (serializeMessage in server-interceptors.js), which is the only caller.
 */
export function serializeData(edge: number, rows: number, ipc: Uint8Array | readonly Uint8Array[]): Buffer {
  const ipcLen = ipcLength(ipc);
  const rowsSize = varintSize(rows);
  const rest = 3 + rowsSize; // the edge, rows and IPC tags, and rows
  const [s0, s1, s2] = headerSizes(edge, ipcLen, rest);
  const frameLen = rest + s1 + s2 + ipcLen;
  const total = 1 + s0 + frameLen;
  const layout: Layout = { s0, s1, s2, frameLen, ipcLen };
  if (total > SCRATCH_MAX) return writeData(Buffer.allocUnsafe(total), layout, edge, rows, ipc);
  if (scratch.byteLength < total)
    scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(total, 2 * scratch.byteLength)));
  return writeData(scratch, layout, edge, rows, ipc);
}

/** Varint widths (frame length, edge, IPC length) and the lengths they carry. */
interface Layout {
  s0: number;
  s1: number;
  s2: number;
  frameLen: number;
  ipcLen: number;
}

function writeData(
  buf: Buffer,
  { s0, s1, s2, frameLen, ipcLen }: Layout,
  edge: number,
  rows: number,
  ipc: Uint8Array | readonly Uint8Array[],
): Buffer {
  let at = 0;
  buf[at++] = FRAME_DATA_TAG;
  at = writeVarint(buf, at, frameLen, s0);
  buf[at++] = EDGE_TAG;
  at = writeVarint(buf, at, edge, s1);
  buf[at++] = ROWS_TAG;
  at = writeVarint(buf, at, rows, varintSize(rows));
  buf[at++] = IPC_TAG;
  at = writeVarint(buf, at, ipcLen, s2);
  if (ipc instanceof Uint8Array) {
    buf.set(ipc, at);
    at += ipc.byteLength;
  } else
    for (const c of ipc) {
      buf.set(c, at);
      at += c.byteLength;
    }
  return buf.subarray(0, at);
}

/** A varint of at most 5 bytes and below 2^32 at `at`: [value, next position], or null. */
function readVarint32(buf: Uint8Array, at: number): [number, number] | null {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT32 && at < buf.byteLength; i++) {
    const b = buf[at++]!;
    v += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return v < 2 ** 32 ? [v, at] : null;
  }
  return null;
}

/**
 * A data frame exactly as serializeData writes it (tags in its order, each field once, lengths
 * that add up), or null: the caller then decodes with protobufjs, which handles every other
 * valid encoding and refuses what is none. The IPC bytes are a view into `buf`.
 */
export function parseData(buf: Buffer): ExchangeFrame | null {
  if (buf[0] !== FRAME_DATA_TAG) return null;
  const len = readVarint32(buf, 1);
  if (!len || len[1] + len[0] !== buf.byteLength || buf[len[1]] !== EDGE_TAG) return null;
  const edge = readVarint32(buf, len[1] + 1);
  if (!edge || buf[edge[1]] !== ROWS_TAG) return null;
  const rows = readVarint32(buf, edge[1] + 1);
  if (!rows || buf[rows[1]] !== IPC_TAG) return null;
  const ipcLen = readVarint32(buf, rows[1] + 1);
  if (!ipcLen || ipcLen[1] + ipcLen[0] !== buf.byteLength) return null;
  return { frame: "data", data: { edge: edge[0], rows: rows[0], ipc: buf.subarray(ipcLen[1]) } };
}

const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;

/**
 * Is `f` a data frame the fast path writes exactly as protobufjs would (edge and rows uint32)?
 * Anything else, a test's deliberately odd frame included, goes to protobufjs unchanged.
 */
export function isDataOut(f: ExchangeFrameOut): f is Extract<ExchangeFrameOut, { data: unknown }> {
  if (!("data" in f) || (f.frame !== "data" && f.frame !== undefined)) return false;
  const d = f.data as Partial<Record<keyof typeof f.data, unknown>> | null;
  return (
    typeof d === "object" &&
    d !== null &&
    isUint32(d.edge) &&
    isUint32(d.rows) &&
    (d.ipc instanceof Uint8Array || Array.isArray(d.ipc))
  );
}
