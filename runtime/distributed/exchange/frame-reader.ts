/** A frame's declared size is outside what this side accepts. */
export class FrameSizeError extends Error {
  override name = "FrameSizeError";
}

/** Where reads land until a frame larger than SMALL_FRAME starts (then they go into the frame). */
const STAGING_BYTES = 64 * 1024;
/** Frames up to this size are gathered in the staging area; larger ones get a buffer of their own. */
const SMALL_FRAME = 4096;

/**
 * Cuts a byte stream into whole frames (wire.ts: each starts with its u32 size), with at most one
 * copy of each byte. Reads land in a staging area; once a large frame's size is known, it gets a
 * buffer of its own and the socket reads the rest of it straight into that buffer (`target` and
 * `received`, Node's `onread`), so a 700 KB data frame is copied only for the part that came with
 * its header. Every frame handed over is a fresh buffer (the staging area is reused), 8-byte
 * aligned, so a data frame's IPC bytes, 16 bytes in, suit Arrow's typed arrays without a copy.
 */
export class FrameReader {
  private readonly staging = new Uint8Array(STAGING_BYTES);
  /** Unparsed bytes of the staging area: [start, end). */
  private start = 0;
  private end = 0;
  /** A large frame being read straight into its own buffer, and how much of it has arrived. */
  private frame: Uint8Array | null = null;
  private filled = 0;

  constructor(
    /** The largest frame accepted, in bytes; a larger one is FrameSizeError before anything is allocated. */
    private readonly maxBytes: number,
    private readonly onFrame: (frame: Uint8Array) => void,
  ) {}

  /** Where the next read should put its bytes (then call `received` with how many it put). */
  target(): Uint8Array {
    if (this.frame) return this.frame.subarray(this.filled);
    if (this.end === STAGING_BYTES) {
      // Only a small frame's beginning is left (a large one has a buffer of its own): move it up.
      this.staging.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    return this.staging.subarray(this.end);
  }

  /** `n` bytes were put where `target` said; calls onFrame for each frame completed. Throws FrameSizeError. */
  received(n: number): void {
    if (this.frame) {
      this.filled += n;
      if (this.filled === this.frame.byteLength) this.complete();
      return;
    }
    this.end += n;
    this.parse();
  }

  /** Feeds bytes received elsewhere (a socket's "data" events): the same as reading them here. */
  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.byteLength; ) {
      const into = this.target();
      const n = Math.min(into.byteLength, chunk.byteLength - at);
      into.set(chunk.subarray(at, at + n));
      at += n;
      this.received(n);
    }
  }

  private parse(): void {
    const s = this.staging;
    while (this.end - this.start >= 4) {
      const size = this.sizeOf(this.start);
      const have = this.end - this.start;
      if (have >= size) {
        this.start += size;
        this.onFrame(aligned(s.subarray(this.start - size, this.start), size));
        continue;
      }
      if (size > SMALL_FRAME) {
        this.frame = aligned(s.subarray(this.start, this.end), size);
        this.filled = have;
        this.start = this.end;
      }
      break;
    }
    if (this.start === this.end) this.start = this.end = 0;
  }

  private sizeOf(at: number): number {
    const b = this.staging;
    const size = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 2 ** 24;
    if (size < 8) throw new FrameSizeError(`a frame of ${size} bytes (at least 8)`);
    if (size > this.maxBytes) throw new FrameSizeError(`a frame of ${size} bytes (at most ${this.maxBytes})`);
    return size;
  }

  private complete(): void {
    const f = this.frame!;
    this.frame = null;
    this.filled = 0;
    this.onFrame(f);
  }
}

/**
 * A new buffer of `size` bytes starting with `head`. Not zeroed (every byte is written before the
 * frame is handed over); 8-byte aligned, whether from Node's pool (small sizes) or an ArrayBuffer
 * of its own.
 */
function aligned(head: Uint8Array, size: number): Uint8Array {
  const b = Buffer.allocUnsafe(size);
  b.set(head, 0);
  return b;
}
