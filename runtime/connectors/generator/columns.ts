import {
  type Data,
  Dictionary,
  Int32,
  Int64,
  makeData,
  makeVector,
  TimestampMillisecond,
  Utf8,
  type Vector,
} from "apache-arrow";
import { utf8Data } from "../../types/builders.js";
import { textEncoder } from "../../types/column.js";

/**
 * Column plumbing shared by the generators: int64 columns written through Int32 views (no BigInt per
 * value), dictionary columns over one dictionary made once per generator, and utf8 columns written
 * byte by byte from precomputed parts, so no generator allocates a string or object per event.
 */

const TWO_32 = 4294967296;

/**
 * An int64 or timestamp[ms] column under construction. The loop writes row i with
 * `setInt64(w.v32, i, x)`, through a local copy of `v32` where it is hot.
 */
export class Int64Writer {
  readonly values: BigInt64Array;
  readonly v32: Int32Array;
  private readonly type: Int64 | TimestampMillisecond;
  constructor(n: number, type: "int64" | "timestamp[ms]" = "int64") {
    this.type = type === "int64" ? new Int64() : new TimestampMillisecond();
    this.values = new BigInt64Array(n);
    this.v32 = new Int32Array(this.values.buffer);
  }
  finish(): Data {
    // Both types take the same BigInt64 buffer; makeData's overloads only take one type at a time.
    return makeData({ type: this.type as Int64, length: this.values.length, data: this.values, nullCount: 0 });
  }
}

/** Writes a non-negative integral double (< 2^53) as int64 at row i. */
export function setInt64(v32: Int32Array, i: number, x: number): void {
  v32[2 * i] = x >>> 0;
  v32[2 * i + 1] = (x / TWO_32) | 0;
}

/** A fixed set of strings as a dictionary column type plus its values, shared by every batch. */
export class FixedDictionary {
  readonly type: Dictionary<Utf8, Int32>;
  readonly vector: Vector<Utf8>;
  constructor(readonly values: readonly string[]) {
    this.type = new Dictionary(new Utf8(), new Int32());
    this.vector = makeVector(utf8Data(values));
  }
  get size(): number {
    return this.values.length;
  }
  column(keys: Int32Array): Data {
    return makeData({ type: this.type, length: keys.length, data: keys, dictionary: this.vector, nullCount: 0 });
  }
}

/** An all-empty utf8 column (Nexmark's `extra`): one shared zero offsets buffer per length. */
export function emptyUtf8(n: number): Data {
  let offsets = emptyOffsets.get(n);
  if (!offsets) {
    offsets = new Int32Array(n + 1);
    if (emptyOffsets.size > 16) emptyOffsets.clear();
    emptyOffsets.set(n, offsets);
  }
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: EMPTY, nullCount: 0 });
}
const emptyOffsets = new Map<number, Int32Array>();
const EMPTY = new Uint8Array(0);

/** Builds a utf8 column byte by byte; the caller knows an upper bound of the bytes per row. */
export class Utf8Writer {
  readonly offsets: Int32Array;
  bytes: Uint8Array;
  pos = 0;
  private row = 0;
  constructor(rows: number, maxBytesPerRow: number) {
    this.offsets = new Int32Array(rows + 1);
    this.bytes = new Uint8Array(rows * maxBytesPerRow);
  }
  /** Appends precomputed bytes to the current row. */
  put(part: Uint8Array): void {
    this.bytes.set(part, this.pos);
    this.pos += part.length;
  }
  byte(b: number): void {
    this.bytes[this.pos++] = b;
  }
  endRow(): void {
    this.offsets[++this.row] = this.pos;
  }
  finish(): Data {
    return makeData({
      type: new Utf8(),
      length: this.row,
      valueOffsets: this.offsets.subarray(0, this.row + 1),
      data: this.bytes.subarray(0, this.pos),
      nullCount: 0,
    });
  }
}

export function encodeAll(values: readonly string[]): Uint8Array[] {
  return values.map((s) => textEncoder.encode(s));
}

const LETTER_A = 97;

/**
 * Appends `count` random lower-case letters to the writer's current row, drawing from successive
 * hashes of h (6 letters per 32-bit hash).
 */
export function writeLetters(w: Utf8Writer, h: number, count: number, next: (h: number, s: number) => number): void {
  let bits = h;
  for (let i = 0, s = 1; i < count; i++) {
    if (i % 6 === 0) bits = next(h, s++);
    w.byte(LETTER_A + ((bits & 31) % 26));
    bits >>>= 5;
  }
}
