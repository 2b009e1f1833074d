import { type Data, DataType, type Field, makeData, makeVector } from "apache-arrow";
import { boolData, float64Data, int32Data, utf8Data } from "../types/builders.js";
import { float64ToInt64, packValidity } from "../types/column.js";
import { BadValue, describeValue } from "./format.js";

/**
 * Growable column builders for decoders that see one JS value per field and row (JSON, Avro).
 * `append` checks the value's type and throws BadValue; `truncate` drops the rows of a message that
 * turned out bad halfway, so a bad message never leaves a partial row behind.
 */
export interface ValueBuilder {
  append(v: unknown): void;
  appendNull(): void;
  truncate(n: number): void;
  finish(): Data;
}

const INITIAL = 1024;

abstract class Base<A extends Float64Array | Int32Array | Uint8Array> implements ValueBuilder {
  protected n = 0;
  protected values: A;
  private valid: Uint8Array | null = null;
  constructor(protected readonly field: Field) {
    this.values = this.alloc(INITIAL);
  }
  protected abstract alloc(n: number): A;
  protected room(): void {
    if (this.n < this.values.length) return;
    const cap = this.values.length * 2;
    const bigger = this.alloc(cap);
    bigger.set(this.values as never);
    this.values = bigger;
    if (this.valid) {
      const v = new Uint8Array(cap).fill(1);
      v.set(this.valid);
      this.valid = v;
    }
  }
  abstract append(v: unknown): void;
  appendNull(): void {
    this.room();
    // Validity is allocated on the first null only: most columns never have one.
    if (!this.valid) this.valid = new Uint8Array(this.values.length).fill(1);
    this.values[this.n] = 0;
    this.valid[this.n++] = 0;
  }
  truncate(n: number): void {
    if (this.valid) this.valid.fill(1, n, this.n);
    this.n = n;
  }
  /** One byte per row (1 = valid), or null when no row is null. */
  protected validity(): Uint8Array | null {
    return this.valid ? this.valid.subarray(0, this.n) : null;
  }
  abstract finish(): Data;
}

const INT64_DIGITS = /^-?\d{1,19}$/;

class Float64Builder extends Base<Float64Array> {
  protected alloc(n: number) {
    return new Float64Array(n);
  }
  append(v: unknown): void {
    let x: number;
    if (typeof v === "number") x = v;
    else if (v === "NaN" || v === "Infinity" || v === "-Infinity") x = Number(v);
    else throw new BadValue("wrong-type", `field "${this.field.name}" must be a number, got ${describeValue(v)}`);
    this.room();
    this.values[this.n++] = x;
  }
  finish(): Data {
    return float64Data(this.values.slice(0, this.n), this.validity());
  }
}

class Int32Builder extends Base<Int32Array> {
  protected alloc(n: number) {
    return new Int32Array(n);
  }
  append(v: unknown): void {
    if (typeof v !== "number" || (v | 0) !== v)
      throw new BadValue("wrong-type", `field "${this.field.name}" must be a 32-bit integer, got ${describeValue(v)}`);
    this.room();
    this.values[this.n++] = v;
  }
  finish(): Data {
    return int32Data(this.values.slice(0, this.n), this.validity());
  }
}

/**
 * int64 and timestamp[ms]. Values are kept as doubles (exact to 2^53) and converted in one pass;
 * integers beyond that arrive as decimal strings and are kept exactly on the side.
 */
class Int64Builder extends Base<Float64Array> {
  private exact: Map<number, bigint> | null = null;
  protected alloc(n: number) {
    return new Float64Array(n);
  }
  append(v: unknown): void {
    let x: number;
    if (typeof v === "number" && Number.isInteger(v)) x = v;
    else if (typeof v === "string" && INT64_DIGITS.test(v)) {
      x = Number(v);
      if (!Number.isSafeInteger(x)) {
        const big = BigInt(v);
        if (BigInt.asIntN(64, big) !== big)
          throw new BadValue("wrong-type", `field "${this.field.name}" is out of the int64 range: ${v}`);
        (this.exact ??= new Map()).set(this.n, big);
      }
    } else if (typeof v === "string" && DataType.isTimestamp(this.field.type) && !Number.isNaN(Date.parse(v))) {
      x = Date.parse(v);
    } else {
      const what = DataType.isTimestamp(this.field.type) ? "epoch milliseconds or an ISO-8601 time" : "an integer";
      throw new BadValue("wrong-type", `field "${this.field.name}" must be ${what}, got ${describeValue(v)}`);
    }
    this.room();
    this.values[this.n++] = x;
  }
  override truncate(n: number): void {
    if (this.exact) for (const i of this.exact.keys()) if (i >= n) this.exact.delete(i);
    super.truncate(n);
  }
  finish(): Data {
    const data = float64ToInt64(this.values, this.n);
    if (this.exact) for (const [i, big] of this.exact) data[i] = big;
    const valid = this.validity();
    const nulls = valid ? packValidity(valid, this.n) : null;
    return makeData({
      type: this.field.type,
      length: this.n,
      data,
      ...(nulls && nulls.nullCount > 0 ? { nullBitmap: nulls.bitmap, nullCount: nulls.nullCount } : { nullCount: 0 }),
    });
  }
}

class BoolBuilder extends Base<Uint8Array> {
  protected alloc(n: number) {
    return new Uint8Array(n);
  }
  append(v: unknown): void {
    if (typeof v !== "boolean")
      throw new BadValue("wrong-type", `field "${this.field.name}" must be true or false, got ${describeValue(v)}`);
    this.room();
    this.values[this.n++] = v ? 1 : 0;
  }
  finish(): Data {
    return boolData(this.values.slice(0, this.n), this.validity());
  }
}

function requireString(field: Field, v: unknown): string {
  if (typeof v !== "string")
    throw new BadValue("wrong-type", `field "${field.name}" must be a string, got ${describeValue(v)}`);
  return v;
}

/** utf8: strings collected and encoded in one go at the end (one join, one encode). */
class Utf8Builder implements ValueBuilder {
  private strings: (string | null)[] = [];
  constructor(private readonly field: Field) {}
  append(v: unknown): void {
    this.strings.push(requireString(this.field, v));
  }
  appendNull(): void {
    this.strings.push(null);
  }
  truncate(n: number): void {
    this.strings.length = n;
  }
  finish(): Data {
    const s = this.strings;
    const n = s.length;
    let hasNull = false;
    for (let i = 0; i < n; i++) if (s[i] === null) hasNull = true;
    if (hasNull) return utf8Data(s);
    // All strings at once: one native encode; ASCII text (the usual case) needs no per-string byte count.
    const joined = (s as string[]).join("");
    const bytes = Buffer.from(joined, "utf8");
    const offsets = new Int32Array(n + 1);
    if (bytes.length === joined.length) {
      for (let i = 0, at = 0; i < n; i++) offsets[i + 1] = at += s[i]!.length;
    } else {
      for (let i = 0, at = 0; i < n; i++) offsets[i + 1] = at += Buffer.byteLength(s[i]!, "utf8");
    }
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    return makeData({ type: this.field.type, length: n, valueOffsets: offsets, data, nullCount: 0 });
  }
}

/** Dictionary-encoded utf8: a string → key map per batch. */
class DictionaryBuilder extends Base<Int32Array> {
  private readonly ids = new Map<string, number>();
  private readonly entries: string[] = [];
  protected alloc(n: number) {
    return new Int32Array(n);
  }
  append(v: unknown): void {
    const s = requireString(this.field, v);
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.entries.length;
      this.ids.set(s, id);
      this.entries.push(s);
    }
    this.room();
    this.values[this.n++] = id;
  }
  finish(): Data {
    const valid = this.validity();
    const nulls = valid ? packValidity(valid, this.n) : null;
    return makeData({
      type: this.field.type,
      length: this.n,
      data: this.values.slice(0, this.n),
      dictionary: makeVector(utf8Data(this.entries)),
      ...(nulls && nulls.nullCount > 0 ? { nullBitmap: nulls.bitmap, nullCount: nulls.nullCount } : { nullCount: 0 }),
    });
  }
}

export function valueBuilder(field: Field): ValueBuilder {
  const t = field.type;
  if (DataType.isDictionary(t)) return new DictionaryBuilder(field);
  if (DataType.isUtf8(t)) return new Utf8Builder(field);
  if (DataType.isBool(t)) return new BoolBuilder(field);
  if (DataType.isFloat(t)) return new Float64Builder(field);
  if (DataType.isTimestamp(t)) return new Int64Builder(field);
  if (DataType.isInt(t)) return t.bitWidth === 64 ? new Int64Builder(field) : new Int32Builder(field);
  throw new Error(`unsupported column type ${String(t)} of "${field.name}"`);
}
