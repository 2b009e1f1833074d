import { type Data, DataType, type Dictionary, type Int32, makeVector, type Utf8 } from "apache-arrow";
import { utf8DataFromBytes } from "../types/builders.js";
import { validityBytes } from "../types/column.js";
import { copyWith } from "./freeze.js";
import { BaseStore, grown, type KeyStore, KeyTypeError, withValidity } from "./key-store.js";

/** utf8 keys, plain or dictionary-encoded on input: bytes appended to one growing buffer. */
export class Utf8Store extends BaseStore implements KeyStore {
  private bytes = new Uint8Array(256);
  private used = 0;
  private starts = new Int32Array(16);
  private lens = new Int32Array(16);
  // Bound input: per-row [start, end) comes from the offsets, through dictionary indices if any.
  private inBytes: Uint8Array = new Uint8Array(0);
  private inOffsets: Int32Array = new Int32Array(0);
  private inIndices: Int32Array | null = null;

  bind(col: Data): void {
    let source = col;
    if (DataType.isDictionary(col.type)) {
      source = col.dictionary!.data[0];
      this.inIndices = (col.values as Int32Array).subarray(0, col.length);
    } else {
      this.inIndices = null;
    }
    if (!DataType.isUtf8(source.type)) throw new KeyTypeError(this.field, col.type);
    this.inBytes = source.values as Uint8Array;
    this.inOffsets = source.valueOffsets as Int32Array;
    this.inValid = validityBytes(col);
  }
  verify(groups: Int32Array, ok: Uint8Array, n: number): void {
    for (let i = 0; i < n; i++) if (groups[i] >= 0 && ok[i] !== 0 && !this.equals(groups[i], i)) ok[i] = 0;
  }
  equals(g: number, row: number): boolean {
    if (this.inValid !== null && this.inValid[row] === 0) return this.valid[g] === 0;
    if (this.valid[g] === 0) return false;
    const k = this.inIndices === null ? row : this.inIndices[row];
    const s = this.inOffsets[k];
    const len = this.inOffsets[k + 1] - s;
    if (len !== this.lens[g]) return false;
    const b = this.bytes;
    const ib = this.inBytes;
    for (let i = 0, p = this.starts[g]; i < len; i++, p++) if (b[p] !== ib[s + i]) return false;
    return true;
  }
  append(g: number, row: number): void {
    const isNull = this.inValid !== null && this.inValid[row] === 0;
    this.valid[g] = isNull ? 0 : 1;
    this.starts[g] = this.used;
    if (isNull) {
      this.lens[g] = 0;
      return;
    }
    const k = this.inIndices === null ? row : this.inIndices[row];
    const s = this.inOffsets[k];
    const len = this.inOffsets[k + 1] - s;
    if (this.used + len > this.bytes.length)
      this.bytes = grown(this.bytes, Math.max(this.bytes.length * 2, this.used + len));
    this.bytes.set(this.inBytes.subarray(s, s + len), this.used);
    this.lens[g] = len;
    this.used += len;
  }
  override grow(capacity: number): void {
    super.grow(capacity);
    this.starts = grown(this.starts, capacity);
    this.lens = grown(this.lens, capacity);
  }
  output(groups: Int32Array, count: number, plain: boolean): Data {
    const offsets = new Int32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      total += this.lens[groups[i]];
      offsets[i + 1] = total;
    }
    const out = new Uint8Array(total);
    for (let i = 0; i < count; i++) {
      const g = groups[i];
      out.set(this.bytes.subarray(this.starts[g], this.starts[g] + this.lens[g]), offsets[i]);
    }
    const valid = this.outValid(groups, count);
    if (plain || !DataType.isDictionary(this.field.type)) return utf8DataFromBytes(offsets, out, valid);
    // One dictionary entry per output row: correct, and cheaper than de-duplicating again.
    const indices = new Int32Array(count);
    for (let i = 0; i < count; i++) indices[i] = i;
    const dictionary = makeVector(utf8DataFromBytes(offsets, out));
    return withValidity(this.field.type as Dictionary<Utf8, Int32>, indices, valid, dictionary);
  }
  compact(keep: Int32Array, count: number): void {
    this.compactValid(keep, count);
    let used = 0;
    for (let j = 0; j < count; j++) {
      const g = keep[j];
      const s = this.starts[g];
      const len = this.lens[g];
      this.bytes.copyWithin(used, s, s + len); // keep is ascending, so bytes only move left
      this.starts[j] = used;
      this.lens[j] = len;
      used += len;
    }
    this.used = used;
  }
  byteSize(): number {
    return this.bytes.length + this.starts.length * 9;
  }
  freeze(): Pick<KeyStore, "output"> {
    const copies = {
      bytes: this.bytes.slice(0, this.used),
      starts: this.starts.slice(),
      lens: this.lens.slice(),
      valid: this.valid.slice(),
    };
    return copyWith(this, copies);
  }
}
