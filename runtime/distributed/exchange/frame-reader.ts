/** A frame's declared size is outside what this side accepts. */
export class FrameSizeError extends Error {
  override name = "FrameSizeError";
}

/** Frames up to this size that lie whole in one received chunk are handed over as views of it. */
const VIEW_MAX = 512;

/**
 * Cuts a byte stream into whole frames (wire.ts: each starts with its u32 size). A frame is handed
 * over as a view of the received chunk when it lies whole in it and is small or already 8-byte
 * aligned; otherwise it is copied, once, into a fresh buffer (so a data frame's IPC bytes, 16 bytes
 * in, are aligned for Arrow's typed arrays).
 */
export class FrameReader {
  private frame: Uint8Array | null = null;
  private filled = 0;
  /** A size field split across chunks. */
  private readonly head = new Uint8Array(4);
  private headFilled = 0;

  constructor(
    /** The largest frame accepted, in bytes; a larger one is FrameSizeError before anything is allocated. */
    private readonly maxBytes: number,
    private readonly onFrame: (frame: Uint8Array) => void,
  ) {}

  /** Feeds received bytes; calls onFrame for each frame completed, in order. Throws FrameSizeError. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.frame) {
        const n = Math.min(this.frame.byteLength - this.filled, chunk.byteLength - at);
        this.frame.set(chunk.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        if (this.filled === this.frame.byteLength) this.complete();
        continue;
      }
      if (this.headFilled > 0 || chunk.byteLength - at < 4) {
        const n = Math.min(4 - this.headFilled, chunk.byteLength - at);
        this.head.set(chunk.subarray(at, at + n), this.headFilled);
        this.headFilled += n;
        at += n;
        if (this.headFilled < 4) return;
        this.headFilled = 0;
        // A frame is at least 8 bytes, so the branch above completes it.
        this.start(this.sizeOf(this.head, 0));
        this.frame!.set(this.head, 0);
        this.filled = 4;
        continue;
      }
      const size = this.sizeOf(chunk, at);
      const whole = chunk.byteLength - at >= size;
      if (whole && (size <= VIEW_MAX || (chunk.byteOffset + at) % 8 === 0)) {
        const view = chunk.subarray(at, at + size);
        at += size;
        this.onFrame(view);
        continue;
      }
      this.start(size);
    }
  }

  private sizeOf(b: Uint8Array, at: number): number {
    const size = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 2 ** 24;
    if (size < 8) throw new FrameSizeError(`a frame of ${size} bytes (at least 8)`);
    if (size > this.maxBytes) throw new FrameSizeError(`a frame of ${size} bytes (at most ${this.maxBytes})`);
    return size;
  }

  private start(size: number): void {
    // Not zeroed (every byte is copied in before the frame is handed over); 8-byte aligned,
    // whether from Node's pool (small sizes) or an ArrayBuffer of its own.
    this.frame = Buffer.allocUnsafe(size);
    this.filled = 0;
  }

  private complete(): void {
    const f = this.frame!;
    this.frame = null;
    this.filled = 0;
    this.onFrame(f);
  }
}
