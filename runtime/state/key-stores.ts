import { type Data, DataType, type Dictionary, type Field, type Int, type Int32, type Int64 } from "apache-arrow";
import { validityBytes } from "../types/column.js";
import { copyWith } from "./freeze.js";
import { BaseStore, grown, type KeyStore, KeyTypeError, withValidity } from "./key-store.js";
import { Utf8Store } from "./utf8-key-store.js";

/** Key stores for fixed-width columns, and the store for a key field by type. */

/**
 * int64, timestamp and float64 keys: two 32-bit halves per group (bit equality, like the hash).
 * A null key is stored as 0/0 with valid 0. KeyTable reads the arrays directly (`raw`) for its
 * one-pass lookup of a single 64-bit key column, the common case (auction, user or account ids).
 */
export class Fixed64Store extends BaseStore implements KeyStore {
  private lo = new Int32Array(16);
  private hi = new Int32Array(16);
  private in32: Int32Array = new Int32Array(0);

  /** The stored halves and validity, and the bound column's; arrays are replaced when they grow. */
  raw(): { lo: Int32Array; hi: Int32Array; valid: Uint8Array; in32: Int32Array; inValid: Uint8Array | null } {
    return { lo: this.lo, hi: this.hi, valid: this.valid, in32: this.in32, inValid: this.inValid };
  }

  bind(col: Data): void {
    const v = col.values as unknown;
    if (!(v instanceof BigInt64Array || v instanceof Float64Array)) throw new KeyTypeError(this.field, col.type);
    this.in32 = new Int32Array(v.buffer, v.byteOffset, col.length * 2);
    this.inValid = validityBytes(col);
  }
  verify(groups: Int32Array, ok: Uint8Array, n: number): void {
    const { lo, hi, valid, in32, inValid } = this;
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (g < 0) continue;
      if (inValid !== null && inValid[i] === 0) {
        if (valid[g] !== 0) ok[i] = 0;
      } else if (valid[g] === 0 || lo[g] !== in32[2 * i] || hi[g] !== in32[2 * i + 1]) ok[i] = 0;
    }
  }
  equals(g: number, row: number): boolean {
    if (this.inValid !== null && this.inValid[row] === 0) return this.valid[g] === 0;
    return this.valid[g] === 1 && this.lo[g] === this.in32[2 * row] && this.hi[g] === this.in32[2 * row + 1];
  }
  append(g: number, row: number): void {
    const isNull = this.inValid !== null && this.inValid[row] === 0;
    this.valid[g] = isNull ? 0 : 1;
    this.lo[g] = isNull ? 0 : this.in32[2 * row];
    this.hi[g] = isNull ? 0 : this.in32[2 * row + 1];
  }
  override grow(capacity: number): void {
    super.grow(capacity);
    this.lo = grown(this.lo, capacity);
    this.hi = grown(this.hi, capacity);
  }
  output(groups: Int32Array, count: number): Data {
    const out32 = new Int32Array(count * 2);
    for (let i = 0; i < count; i++) {
      out32[2 * i] = this.lo[groups[i]];
      out32[2 * i + 1] = this.hi[groups[i]];
    }
    const data = DataType.isFloat(this.field.type) ? new Float64Array(out32.buffer) : new BigInt64Array(out32.buffer);
    return withValidity(this.field.type as Int64, data, this.outValid(groups, count));
  }
  compact(keep: Int32Array, count: number): void {
    this.compactValid(keep, count);
    for (let j = 0; j < count; j++) {
      this.lo[j] = this.lo[keep[j]];
      this.hi[j] = this.hi[keep[j]];
    }
  }
  byteSize(): number {
    return this.lo.length * 9;
  }
  freeze(): Pick<KeyStore, "output"> {
    return copyWith(this, { lo: this.lo.slice(), hi: this.hi.slice(), valid: this.valid.slice() });
  }
}

class Int32Store extends BaseStore implements KeyStore {
  private vals = new Int32Array(16);
  private input: Int32Array = new Int32Array(0);

  bind(col: Data): void {
    if (!(col.values instanceof Int32Array) || DataType.isDictionary(col.type))
      throw new KeyTypeError(this.field, col.type);
    this.input = col.values.subarray(0, col.length);
    this.inValid = validityBytes(col);
  }
  verify(groups: Int32Array, ok: Uint8Array, n: number): void {
    const { vals, valid, input, inValid } = this;
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (g < 0) continue;
      if (inValid !== null && inValid[i] === 0) {
        if (valid[g] !== 0) ok[i] = 0;
      } else if (valid[g] === 0 || vals[g] !== input[i]) ok[i] = 0;
    }
  }
  equals(g: number, row: number): boolean {
    if (this.inValid !== null && this.inValid[row] === 0) return this.valid[g] === 0;
    return this.valid[g] === 1 && this.vals[g] === this.input[row];
  }
  append(g: number, row: number): void {
    const isNull = this.inValid !== null && this.inValid[row] === 0;
    this.valid[g] = isNull ? 0 : 1;
    this.vals[g] = isNull ? 0 : this.input[row];
  }
  override grow(capacity: number): void {
    super.grow(capacity);
    this.vals = grown(this.vals, capacity);
  }
  output(groups: Int32Array, count: number): Data {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.vals[groups[i]];
    return withValidity(this.field.type as Int32, out, this.outValid(groups, count));
  }
  compact(keep: Int32Array, count: number): void {
    this.compactValid(keep, count);
    for (let j = 0; j < count; j++) this.vals[j] = this.vals[keep[j]];
  }
  byteSize(): number {
    return this.vals.length * 5;
  }
  freeze(): Pick<KeyStore, "output"> {
    return copyWith(this, { vals: this.vals.slice(), valid: this.valid.slice() });
  }
}

class BoolStore extends BaseStore implements KeyStore {
  private vals = new Uint8Array(16);
  private bits: Uint8Array = new Uint8Array(0);
  private bitOffset = 0;

  bind(col: Data): void {
    if (!DataType.isBool(col.type)) throw new KeyTypeError(this.field, col.type);
    this.bits = col.values as Uint8Array;
    this.bitOffset = col.offset;
    this.inValid = validityBytes(col);
  }
  private bit(row: number): number {
    const j = this.bitOffset + row;
    return (this.bits[j >> 3] >> (j & 7)) & 1;
  }
  verify(groups: Int32Array, ok: Uint8Array, n: number): void {
    for (let i = 0; i < n; i++) if (groups[i] >= 0 && !this.equals(groups[i], i)) ok[i] = 0;
  }
  equals(g: number, row: number): boolean {
    if (this.inValid !== null && this.inValid[row] === 0) return this.valid[g] === 0;
    return this.valid[g] === 1 && this.vals[g] === this.bit(row);
  }
  append(g: number, row: number): void {
    const isNull = this.inValid !== null && this.inValid[row] === 0;
    this.valid[g] = isNull ? 0 : 1;
    this.vals[g] = isNull ? 0 : this.bit(row);
  }
  override grow(capacity: number): void {
    super.grow(capacity);
    this.vals = grown(this.vals, capacity);
  }
  output(groups: Int32Array, count: number): Data {
    const bits = new Uint8Array(((count + 63) >> 6) << 3);
    for (let i = 0; i < count; i++) if (this.vals[groups[i]]) bits[i >> 3] |= 1 << (i & 7);
    return withValidity(this.field.type, bits, this.outValid(groups, count));
  }
  compact(keep: Int32Array, count: number): void {
    this.compactValid(keep, count);
    for (let j = 0; j < count; j++) this.vals[j] = this.vals[keep[j]];
  }
  byteSize(): number {
    return this.vals.length * 2;
  }
  freeze(): Pick<KeyStore, "output"> {
    return copyWith(this, { vals: this.vals.slice(), valid: this.valid.slice() });
  }
}

/** The store for a key field, by its Arrow type. */
export function keyStoreFor(field: Field): KeyStore {
  const t = field.type;
  if (DataType.isUtf8(t) || (DataType.isDictionary(t) && DataType.isUtf8((t as Dictionary).dictionary)))
    return new Utf8Store(field);
  if (DataType.isBool(t)) return new BoolStore(field);
  if (DataType.isFloat(t) || DataType.isTimestamp(t)) return new Fixed64Store(field);
  if (DataType.isInt(t)) return (t as Int).bitWidth === 64 ? new Fixed64Store(field) : new Int32Store(field);
  throw new Error(
    `key column "${field.name}" has type ${String(t)}; keys may be utf8, int32, int64, float64, bool or timestamp[ms]`,
  );
}
