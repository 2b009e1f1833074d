import {
  type Data,
  type DataType,
  type Dictionary,
  type Field,
  type Float64,
  makeData,
  type Utf8,
  type Vector,
} from "apache-arrow";

/**
 * Columnar storage of one key column of a KeyTable: value i belongs to group i. A store is bound to
 * one input column at a time (`bind`) and then compares that column's rows with stored groups or
 * appends them, reading the Arrow buffers directly (arrow-js slices value and offset buffers with a
 * column, so row i is values[i]; only bit buffers are read at `offset + i`).
 *
 * Equality is the one the hash uses (runtime/kernels/hash.ts): null equals null, 64-bit values
 * (int64, timestamp, float64) compare by bits (so float -0 and 0 are different keys, NaN equals
 * NaN), and strings compare by UTF-8 bytes whether plain or dictionary-encoded.
 */
export interface KeyStore {
  readonly field: Field;
  /** Reads `col` in the calls below; `col` must have this store's logical type. */
  bind(col: Data): void;
  /** Clears ok[i] where row i differs from group groups[i]; rows with groups[i] < 0 are skipped. */
  verify(groups: Int32Array, ok: Uint8Array, n: number): void;
  equals(group: number, row: number): boolean;
  /** Stores row `row` of the bound column as group `group` (always the next group id). */
  append(group: number, row: number): void;
  grow(capacity: number): void;
  /** Arrow column of the given groups; `plain` turns a dictionary key into plain utf8. */
  output(groups: Int32Array, count: number, plain: boolean): Data;
  /** Keeps groups keep[0..count) (ascending) as groups 0..count. */
  compact(keep: Int32Array, count: number): void;
  byteSize(): number;
  /** A copy whose output() stays as of now whatever this store does next (for snapshots). */
  freeze(): Pick<KeyStore, "output">;
}

export class KeyTypeError extends Error {
  constructor(field: Field, got: DataType) {
    super(`key column "${field.name}" is ${String(field.type)} but a batch holds ${String(got)}`);
    this.name = "KeyTypeError";
  }
}

export function grown<T extends Int32Array | Uint8Array>(a: T, capacity: number): T {
  if (a.length >= capacity) return a;
  const b = new (a.constructor as { new (n: number): T })(capacity);
  b.set(a);
  return b;
}

/** Validity flags kept per group (1 = value, 0 = null); shared by every store. */
export abstract class BaseStore {
  protected valid = new Uint8Array(16);
  protected inValid: Uint8Array | null = null;
  constructor(readonly field: Field) {}
  grow(capacity: number): void {
    this.valid = grown(this.valid, capacity);
  }
  protected outValid(groups: Int32Array, count: number): Uint8Array {
    const v = new Uint8Array(count);
    for (let i = 0; i < count; i++) v[i] = this.valid[groups[i]];
    return v;
  }
  protected compactValid(keep: Int32Array, count: number): void {
    for (let j = 0; j < count; j++) this.valid[j] = this.valid[keep[j]];
  }
}

/** A column of `type` over `data`, with nulls where valid[i] is 0 (and a dictionary, if given). */
export function withValidity(
  type: DataType,
  data: Int32Array | Float64Array | BigInt64Array | Uint8Array,
  valid: Uint8Array,
  dictionary?: Vector<Utf8>,
): Data {
  const length = valid.length;
  let nullCount = 0;
  for (let i = 0; i < length; i++) nullCount += valid[i] ^ 1;
  const props: { type: DataType; length: number; data: typeof data; nullCount: number; nullBitmap?: Uint8Array } = {
    type,
    length,
    data,
    nullCount,
  };
  if (nullCount > 0) {
    const bm = new Uint8Array(((length + 63) >> 6) << 3);
    for (let i = 0; i < length; i++) if (valid[i]) bm[i >> 3] |= 1 << (i & 7);
    props.nullBitmap = bm;
  }
  // makeData's overloads are keyed by the concrete type; callers pass buffers matching the type.
  if (dictionary) return makeData({ ...(props as unknown as { type: Dictionary }), dictionary });
  return makeData(props as unknown as { type: Float64 });
}
