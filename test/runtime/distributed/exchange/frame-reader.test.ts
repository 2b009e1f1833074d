import { describe, expect, it } from "vitest";
import { FrameReader, FrameSizeError } from "../../../../runtime/distributed/exchange/frame-reader.js";
import { seededRng } from "../../../helpers/random.js";

/** A frame of `size` bytes: its size, then bytes that depend on `seed`. */
function frame(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(size, 0);
  for (let i = 4; i < size; i++) b[i] = (seed * 31 + i) & 0xff;
  return b;
}

function read(stream: Uint8Array, cuts: number[], max = 1 << 20): Uint8Array[] {
  const got: Uint8Array[] = [];
  const reader = new FrameReader(max, (f) => got.push(Uint8Array.from(f)));
  let at = 0;
  for (const cut of [...cuts, stream.byteLength]) {
    reader.push(stream.subarray(at, cut));
    at = cut;
  }
  return got;
}

describe("FrameReader", () => {
  const frames = [frame(8, 1), frame(16, 2), frame(5000, 3), frame(9, 4), frame(20_000, 5), frame(24, 6)];
  const stream = Buffer.concat(frames);

  it("hands over every frame whole and in order, however the stream is cut", () => {
    const rng = seededRng(7);
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from({ length: rng.int(0, 40) }, () => rng.int(0, stream.byteLength)).sort((a, b) => a - b);
      expect(read(stream, cuts)).toEqual(frames.map((f) => Uint8Array.from(f)));
    }
    // One byte at a time: every size field arrives split.
    expect(
      read(
        stream,
        Array.from({ length: stream.byteLength }, (_, i) => i),
      ),
    ).toHaveLength(frames.length);
  });

  it("reads a large frame's body straight into the frame, and keeps what it handed over intact", () => {
    const rng = seededRng(11);
    const big = frame(300_000, 9);
    const all = [frame(12, 1), big, frame(4000, 2), frame(8, 3), frame(70_000, 4), frame(10, 5)];
    const wire = Buffer.concat(all);
    for (let round = 0; round < 50; round++) {
      const got: Uint8Array[] = [];
      const reader = new FrameReader(1 << 20, (f) => got.push(f));
      const reads: [ArrayBufferLike, number][] = [];
      for (let at = 0; at < wire.byteLength; ) {
        // A socket read: at most what the target holds, often less.
        const into = reader.target();
        const n = Math.min(into.byteLength, wire.byteLength - at, rng.int(1, 100_000));
        into.set(wire.subarray(at, at + n));
        reads.push([into.buffer, n]);
        at += n;
        reader.received(n);
      }
      expect(got.map((f) => Uint8Array.from(f))).toEqual(all.map((f) => Uint8Array.from(f)));
      // Only what came with a large frame's header went through the staging area.
      const direct = reads.filter(([b]) => b === got[1]!.buffer).reduce((sum, [, n]) => sum + n, 0);
      expect(direct).toBeGreaterThan(big.byteLength - 65_536);
    }
  });

  it("keeps every frame whole across the staging area's edges (sizes around 4 KiB and 64 KiB)", () => {
    const rng = seededRng(13);
    const sizes = [4095, 4096, 4097, 65_531, 65_532, 65_536, 65_537, 131_072, 8, 9];
    for (let round = 0; round < 30; round++) {
      const all = Array.from({ length: 40 }, (_, i) => frame(sizes[rng.int(0, sizes.length - 1)]!, round * 40 + i));
      const wire = Buffer.concat(all);
      const got: Uint8Array[] = [];
      const reader = new FrameReader(1 << 20, (f) => got.push(f));
      for (let at = 0; at < wire.byteLength; ) {
        const into = reader.target();
        const n = Math.min(into.byteLength, wire.byteLength - at, rng.int(1, 3) === 1 ? rng.int(1, 16) : 70_000);
        into.set(wire.subarray(at, at + n));
        at += n;
        reader.received(n);
      }
      expect(got.map((f) => Uint8Array.from(f))).toEqual(all.map((f) => Uint8Array.from(f)));
    }
  });

  it("hands every frame over 8-byte aligned, wherever it lay in the chunk", () => {
    const offsets: number[] = [];
    const reader = new FrameReader(1 << 20, (f) => offsets.push(f.byteOffset % 8));
    // Misaligned in the chunk: an 11-byte frame comes first. 600 bytes come from Node's buffer
    // pool, 5,000 get an ArrayBuffer of their own.
    for (const size of [600, 5000]) {
      const chunk = Buffer.concat([frame(11, 0), frame(size, 1)]);
      reader.push(chunk.subarray(0, 8));
      reader.push(chunk.subarray(8));
    }
    expect(offsets).toEqual([0, 0, 0, 0]);
  });

  it("refuses a size below the header or above the limit before allocating anything", () => {
    const tiny = Buffer.alloc(8);
    tiny.writeUInt32LE(3, 0);
    expect(() => read(tiny, [])).toThrow(FrameSizeError);
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(2 ** 32 - 1, 0);
    expect(() => read(huge, [], 1024)).toThrow(/4294967295 bytes \(at most 1024\)/);
  });
});
