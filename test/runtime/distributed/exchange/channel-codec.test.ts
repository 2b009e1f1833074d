import {
  type Data,
  Dictionary,
  Field,
  Int32,
  makeData,
  makeVector,
  type RecordBatch,
  Schema,
  Utf8,
  type Vector,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { BidGenerator } from "../../../../runtime/connectors/generator/nexmark-bid.js";
import { ChannelDecoder } from "../../../../runtime/distributed/exchange/channel-decoder.js";
import { ChannelEncoder } from "../../../../runtime/distributed/exchange/channel-encoder.js";
import { RejectedFrameError } from "../../../../runtime/distributed/exchange/frame-check.js";
import { int32Data, utf8Data } from "../../../../runtime/types/builders.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { seededRng } from "../../../helpers/random.js";

/** What decoding one frame did: refused with a reason, or decoded (a batch readable in full). */
function outcome(f: () => RecordBatch): string {
  try {
    batchRows(f());
    return "decoded";
  } catch (err) {
    if (err instanceof RejectedFrameError) return err.reason;
    throw new Error(`a hostile frame escaped the checks: ${(err as Error).stack}`);
  }
}

const type = new Dictionary(new Utf8(), new Int32(), 0);
const schema = new Schema([new Field("k", new Int32()), new Field("s", type)]);
/** A batch whose column `s` indexes `dictionary`. */
function batchOver(dictionary: Vector<Utf8>, keys: number[]): RecordBatch {
  const s = makeData({ type, length: keys.length, data: Int32Array.from(keys), dictionary });
  return makeBatch(schema, [int32Data(Int32Array.from(keys, (k) => k * 10)), s as Data], keys.length);
}

/** The first message of a frame (its schema, on a channel's first frame). */
function firstMessage(frame: Uint8Array): Uint8Array {
  const length = new DataView(frame.buffer, frame.byteOffset).getInt32(4, true);
  return frame.subarray(0, 8 + length);
}

describe("one channel's Arrow IPC stream (ChannelEncoder, ChannelDecoder)", () => {
  it("sends Nexmark's channel and url dictionaries once: later bid frames are their indices only", () => {
    const gen = new BidGenerator(1);
    const batches = [0, 1, 2, 3].map((i) => gen.generate(i * 4096, 1, 4096));
    const enc = new ChannelEncoder();
    const dec = new ChannelDecoder(batches[0]!.schema);
    const frames = batches.map((b) => enc.encode(b));
    for (let i = 0; i < batches.length; i++)
      expect(batchRows(dec.decode(frames[i]!, 4096))).toEqual(batchRows(batches[i]!));
    // Printed for docs/benchmarks.md: the first frame carries the dictionaries, the others not.
    console.log(`bid frames of 4,096 rows on one channel: ${frames.map((f) => f.byteLength).join(", ")} bytes`);
    expect(frames[1]!.byteLength).toBeLessThan(frames[0]!.byteLength / 4);
    expect(frames[1]!.byteLength).toBeLessThan(48 * 4096);
  });

  it("sends a dictionary that grew as a delta and another dictionary as a replacement", () => {
    const first = makeVector(utf8Data(["a", "b"]));
    const grown = first.concat(makeVector(utf8Data(["c"])));
    const other = makeVector(utf8Data(["x", "y", "z"]));
    const batches = [batchOver(first, [0, 1]), batchOver(grown, [2, 0, 1]), batchOver(other, [2, 2, 0])];
    const enc = new ChannelEncoder();
    const dec = new ChannelDecoder(schema);
    const sizes: number[] = [];
    for (const b of batches) {
      const frame = enc.encode(b);
      sizes.push(frame.byteLength);
      expect(batchRows(dec.decode(frame, b.numRows))).toEqual(batchRows(b));
    }
    // The delta frame carries one entry, the replacement all three: both more than a bare batch.
    const bare = enc.encode(batches[2]!).byteLength;
    expect(sizes[1]!).toBeGreaterThan(bare);
    expect(sizes[2]!).toBeGreaterThan(sizes[1]!);
  });

  it("keeps columns that share one buffer apart (arrow-js's chunk join would merge them)", () => {
    const keys = Int32Array.from([1, 2, 3]);
    const shared = makeBatch(
      new Schema([new Field("a", new Int32()), new Field("b", new Int32())]),
      [int32Data(keys), int32Data(keys)],
      3,
    );
    const frame = new ChannelEncoder().encode(shared);
    expect(batchRows(new ChannelDecoder(shared.schema).decode(frame, 3))).toEqual(batchRows(shared));
  });

  it("refuses a frame that refers to a dictionary the channel never received", () => {
    const dictionary = makeVector(utf8Data(["a", "b"]));
    const enc = new ChannelEncoder();
    const first = enc.encode(batchOver(dictionary, [0, 1]));
    const second = enc.encode(batchOver(dictionary, [1, 0]));
    // A new connection starts a new decoder: the second frame alone, or behind the schema only.
    expect(outcome(() => new ChannelDecoder(schema).decode(second, 2))).toBe("corrupt_ipc");
    const schemaOnly = firstMessage(first);
    const hostile = new Uint8Array(schemaOnly.byteLength + second.byteLength);
    hostile.set(schemaOnly);
    hostile.set(second, schemaOnly.byteLength);
    expect(() => new ChannelDecoder(schema).decode(hostile, 2)).toThrow(/which the channel never received/);
  });

  it("fuzz: 2000 corrupted later frames of a channel never crash or decode into a batch that cannot be read", () => {
    const gen = new BidGenerator(7);
    const [b0, b1] = [gen.generate(0, 1, 300), gen.generate(300, 1, 300)];
    const fuzz = seededRng(1717);
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const enc = new ChannelEncoder();
      const dec = new ChannelDecoder(b0!.schema);
      dec.decode(enc.encode(b0!), 300);
      const frame = enc.encode(b1!).slice();
      if (i % 2 === 0)
        for (let k = fuzz.int(1, 8); k > 0; k--) frame[fuzz.range(0, frame.length)] ^= 1 << fuzz.int(0, 7);
      else frame.set([0xff, 0xff, 0xff, 0x7f], fuzz.range(0, Math.min(frame.length - 4, 400)));
      const r = outcome(() => dec.decode(frame, 300));
      seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    console.log(`exchange channel frame fuzz: 2000 inputs, ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(seen.get("corrupt_ipc") ?? 0).toBeGreaterThan(0);
  });
});
