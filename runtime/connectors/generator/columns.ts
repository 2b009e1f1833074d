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
import { mix32 } from "./rng.js";

/**
 * Column plumbing shared by the generators: int64 columns written through Int32 views (no BigInt per
 * value), dictionary columns over one dictionary made once per generator, and utf8 columns written
 * byte by byte from precomputed parts, so no generator allocates a string or object per event.
 */

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing by 2^32. */
const INV_TWO_32 = 1 / 4294967296;

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
  v32[2 * i + 1] = (x * INV_TWO_32) | 0;
}

/**
 * The UTF-8 form of each value list, made once per process: every bid generator (one per source
 * subtask, and one more each time a job is planned) shares Nexmark's 10,004 channels and urls.
 */
const encoded = new WeakMap<readonly string[], Vector<Utf8>>();

/** A fixed set of strings as a dictionary column type plus its values, shared by every batch. */
export class FixedDictionary {
  readonly type: Dictionary<Utf8, Int32>;
  constructor(readonly values: readonly string[]) {
    this.type = new Dictionary(new Utf8(), new Int32());
  }
  /**
   * The values, encoded when a batch first needs them: planning builds generators only for their
   * schema, and a job that reads none of a dictionary's columns never encodes it.
   */
  get vector(): Vector<Utf8> {
    let v = encoded.get(this.values);
    if (!v) {
      v = makeVector(utf8Data(this.values));
      encoded.set(this.values, v);
    }
    return v;
  }
  get size(): number {
    return this.values.length;
  }
  column(keys: Int32Array): Data {
    return makeData({ type: this.type, length: keys.length, data: keys, dictionary: this.vector, nullCount: 0 });
  }
}

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
const SPACE = 32;

/**
 * Nexmark's random string (StringsGenerator.nextString): 3 to maxLength - 1 characters, each the
 * `special` character with probability about 1/13 and otherwise a lower-case letter; with a space
 * as special the result is trimmed. 16 bits of hash per character: the low byte picks special or
 * letter, the high byte the letter.
 */
export function nexmarkChar(bits16: number, special: number): number {
  return (bits16 & 0xff) % 13 === 0 ? special : LETTER_A + ((bits16 >>> 8) % 26);
}

/** The length nextString(maxLength) draws: 3 to maxLength - 1. */
export function nexmarkLength(h: number, maxLength: number): number {
  return 3 + (h % (maxLength - 3));
}

/**
 * Appends a Nexmark random string (see nexmarkChar) to the writer's current row, its length and
 * characters drawn from successive hashes of h; leading and trailing spaces are left out, as
 * Java's trim() does.
 */
export function writeNexmarkString(
  w: Utf8Writer,
  h: number,
  maxLength: number,
  next: (h: number, s: number) => number,
): void {
  const start = w.pos;
  const length = nexmarkLength(h, maxLength);
  let bits = 0;
  for (let i = 0, s = 1; i < length; i++) {
    if ((i & 1) === 0) bits = next(h, s++);
    const c = nexmarkChar(bits & 0xffff, SPACE);
    bits >>>= 16;
    if (c !== SPACE || w.pos > start) w.byte(c);
  }
  while (w.pos > start && w.bytes[w.pos - 1] === SPACE) w.pos--;
}

/** The same string as a JS string (for dictionaries made once, such as Nexmark's urls). */
export function nexmarkString(h: number, maxLength: number, special: string): string {
  const code = special.charCodeAt(0);
  let out = "";
  const length = nexmarkLength(h, maxLength);
  for (let i = 0; i < length; i++) out += String.fromCharCode(nexmarkChar(mix32(h + i + 1) & 0xffff, code));
  return code === SPACE ? out.trim() : out;
}
