import { type Data, DataType, type Field, makeData } from "apache-arrow";
import { gatherUtf8Into } from "../../kernels/gather-utf8.js";
import { SharedDictionary } from "./shared-dictionary.js";

/**
 * An append-only columnar buffer of rows with a fixed schema: the join's per-window buffers and the
 * lookup table. Rows are copied in buffer to buffer from input columns (optionally through a
 * selection vector), and `columns()` hands out zero-copy Arrow views of the rows so far, which
 * later appends never change. Dictionary columns are re-keyed into a SharedDictionary so that all
 * rows share one dictionary. Input columns must start at row 0 (see unslicedColumns).
 */

type Kind = "i32" | "f64" | "i64" | "bool" | "utf8" | "dict";

interface Col {
  kind: Kind;
  field: Field;
  /** i32 / dict keys; i64 as two int32 halves per row. */
  i32: Int32Array;
  i64: BigInt64Array;
  f64: Float64Array;
  /** bool bits. */
  bits: Uint8Array;
  /** utf8 offsets (length + 1 entries used) and bytes. */
  offsets: Int32Array;
  bytes: Uint8Array;
  /** Validity bitmap, created at the first null (all rows before it are valid). */
  validity: Uint8Array | null;
  nullCount: number;
  dict: SharedDictionary | null;
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_I64 = new BigInt64Array(0);
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U8 = new Uint8Array(0);

function kindOf(t: DataType): Kind {
  if (DataType.isDictionary(t)) return "dict";
  if (DataType.isUtf8(t)) return "utf8";
  if (DataType.isBool(t)) return "bool";
  if (DataType.isFloat(t)) return "f64";
  if (DataType.isTimestamp(t) || (DataType.isInt(t) && t.bitWidth === 64)) return "i64";
  if (DataType.isInt(t) && t.bitWidth === 32) return "i32";
  throw new Error(`join state cannot hold a column of type ${String(t)}`);
}

export class ColumnStore {
  private cols: Col[];
  private rows = 0;
  private capacity = 0;
  private cached: Data[] | null = null;

  /** `dictionaries[i]` is shared with other stores of the same side (created when absent). */
  constructor(
    readonly fields: Field[],
    dictionaries?: (SharedDictionary | null)[],
  ) {
    this.cols = fields.map((field, i) => {
      const kind = kindOf(field.type);
      return {
        kind,
        field,
        i32: EMPTY_I32,
        i64: EMPTY_I64,
        f64: EMPTY_F64,
        bits: EMPTY_U8,
        offsets: new Int32Array(1),
        bytes: EMPTY_U8,
        validity: null,
        nullCount: 0,
        dict: kind === "dict" ? (dictionaries?.[i] ?? new SharedDictionary()) : null,
      };
    });
  }

  get length(): number {
    return this.rows;
  }

  /** The shared dictionary of each column (null for non-dictionary columns). */
  dictionaries(): (SharedDictionary | null)[] {
    return this.cols.map((c) => c.dict);
  }

  /**
   * Appends rows `sel[0..count)` of `columns` (all rows [0, count) when sel is null). A null entry
   * in `columns` appends nulls to that column.
   */
  append(columns: (Data | null)[], sel: Int32Array | null, count: number): void {
    if (count === 0) return;
    this.reserve(this.rows + count);
    for (let c = 0; c < this.cols.length; c++) {
      const src = columns[c];
      if (src === null) this.appendNulls(this.cols[c], count);
      else this.appendColumn(this.cols[c], src, sel, count);
    }
    this.rows += count;
    this.cached = null;
  }

  /** Zero-copy views of every column's rows so far (cached until the next append). */
  columns(): Data[] {
    const cached = this.cached;
    if (!cached) return (this.cached = this.cols.map((c) => this.view(c)));
    // A shared dictionary may have grown through another store: hand out its current vector so
    // that all stores sharing it agree on one dictionary object.
    for (let i = 0; i < this.cols.length; i++) {
      const d = this.cols[i].dict;
      if (d && cached[i].dictionary !== d.vector()) cached[i] = this.view(this.cols[i]);
    }
    return cached;
  }

  private view(c: Col): Data {
    const n = this.rows;
    const type = c.field.type;
    const validity =
      c.validity && c.nullCount > 0
        ? { nullBitmap: c.validity.subarray(0, (n + 7) >> 3), nullCount: c.nullCount }
        : { nullCount: 0 };
    switch (c.kind) {
      case "i32":
        return makeData({ type, length: n, data: c.i32.subarray(0, n), ...validity });
      case "f64":
        return makeData({ type, length: n, data: c.f64.subarray(0, n), ...validity });
      case "i64":
        return makeData({ type, length: n, data: c.i64.subarray(0, n), ...validity });
      case "bool":
        return makeData({ type, length: n, data: c.bits.subarray(0, (n + 7) >> 3), ...validity });
      case "utf8":
        return makeData({
          type,
          length: n,
          valueOffsets: c.offsets.subarray(0, n + 1),
          data: c.bytes.subarray(0, c.offsets[n]),
          ...validity,
        });
      case "dict":
        return makeData({ type, length: n, data: c.i32.subarray(0, n), dictionary: c.dict!.vector(), ...validity });
    }
  }

  private reserve(need: number): void {
    if (need <= this.capacity) return;
    let cap = Math.max(1024, this.capacity * 2);
    while (cap < need) cap *= 2;
    for (const c of this.cols) {
      // Old arrays stay alive in views handed out earlier; new rows go to the new arrays.
      if (c.kind === "i32" || c.kind === "dict") c.i32 = copyInto(new Int32Array(cap), c.i32, this.rows);
      else if (c.kind === "f64") c.f64 = copyInto(new Float64Array(cap), c.f64, this.rows);
      else if (c.kind === "i64") c.i64 = copyInto(new BigInt64Array(cap), c.i64, this.rows);
      else if (c.kind === "bool") c.bits = copyInto(new Uint8Array(cap >> 3), c.bits, (this.rows + 7) >> 3);
      else if (c.kind === "utf8") c.offsets = copyInto(new Int32Array(cap + 1), c.offsets, this.rows + 1);
      if (c.validity) c.validity = copyInto(new Uint8Array(cap >> 3), c.validity, (this.rows + 7) >> 3);
    }
    this.capacity = cap;
  }

  private appendNulls(c: Col, count: number): void {
    this.ensureValidity(c);
    // Value buffers beyond the row count are zero; only utf8 offsets need writing.
    if (c.kind === "utf8") c.offsets.fill(c.offsets[this.rows], this.rows + 1, this.rows + count + 1);
    c.nullCount += count;
  }

  private ensureValidity(c: Col): void {
    if (c.validity) return;
    const v = new Uint8Array(this.capacity >> 3);
    const full = this.rows >> 3;
    v.fill(0xff, 0, full);
    for (let i = full << 3; i < this.rows; i++) v[i >> 3] |= 1 << (i & 7);
    c.validity = v;
  }

  private appendColumn(c: Col, src: Data, sel: Int32Array | null, count: number): void {
    const at = this.rows;
    const hasNulls = src.nullCount > 0;
    let ids: Int32Array | null = null;
    if (c.kind === "dict") {
      if (!DataType.isDictionary(src.type)) throw new Error(`column ${c.field.name}: expected dictionary-encoded utf8`);
      ids = c.dict!.remap(src.dictionary!);
      // A null dictionary entry makes its rows null: the bitmap must exist before it is filled.
      if (ids.includes(-1)) this.ensureValidity(c);
    }
    if (hasNulls || c.validity) {
      this.ensureValidity(c);
      const v = c.validity!;
      const bm = hasNulls ? src.nullBitmap : null;
      for (let k = 0; k < count; k++) {
        const j = sel === null ? k : sel[k];
        const r = at + k;
        if (bm === null || (bm[j >> 3] >> (j & 7)) & 1) v[r >> 3] |= 1 << (r & 7);
        else c.nullCount++;
      }
    }
    switch (c.kind) {
      case "i32":
      case "f64": {
        const s = src.values as Int32Array;
        const d = (c.kind === "i32" ? c.i32 : c.f64) as Int32Array;
        if (sel === null) d.set(s.subarray(0, count), at);
        else for (let k = 0; k < count; k++) d[at + k] = s[sel[k]];
        return;
      }
      case "i64": {
        const sv = src.values as BigInt64Array;
        if (sel === null) {
          c.i64.set(sv.subarray(0, count), at);
          return;
        }
        // Two int32 halves per row: moving BigInts would allocate one per row.
        const s = new Int32Array(sv.buffer, sv.byteOffset, sv.length * 2);
        const d = new Int32Array(c.i64.buffer);
        for (let k = 0, o = at * 2; k < count; k++, o += 2) {
          const j = sel[k] * 2;
          d[o] = s[j];
          d[o + 1] = s[j + 1];
        }
        return;
      }
      case "bool": {
        const s = src.values as Uint8Array;
        for (let k = 0; k < count; k++) {
          const j = sel === null ? k : sel[k];
          const r = at + k;
          if ((s[j >> 3] >> (j & 7)) & 1) c.bits[r >> 3] |= 1 << (r & 7);
        }
        return;
      }
      case "utf8":
        return this.appendUtf8(c, src, sel, count);
      case "dict": {
        const s = src.values as Int32Array;
        const d = c.i32;
        for (let k = 0; k < count; k++) {
          const j = sel === null ? k : sel[k];
          const id = ids![s[j]];
          if (id !== undefined && id >= 0) {
            d[at + k] = id;
          } else if (!hasNulls || (src.nullBitmap![j >> 3] >> (j & 7)) & 1) {
            // A valid row whose key points at a null dictionary entry is a null string.
            c.validity![(at + k) >> 3] &= ~(1 << ((at + k) & 7));
            c.nullCount++;
          }
        }
        return;
      }
    }
  }

  private appendUtf8(c: Col, src: Data, sel: Int32Array | null, count: number): void {
    const so = src.valueOffsets as Int32Array;
    const sb = src.values as Uint8Array;
    const at = this.rows;
    let total = 0;
    if (sel === null) total = so[count] - so[0];
    else for (let k = 0; k < count; k++) total += so[sel[k] + 1] - so[sel[k]];
    const pos = c.offsets[at];
    if (pos + total > c.bytes.length) {
      let cap = Math.max(4096, c.bytes.length * 2);
      while (cap < pos + total) cap *= 2;
      c.bytes = copyInto(new Uint8Array(cap), c.bytes, pos);
    }
    const o = c.offsets;
    if (sel === null) {
      c.bytes.set(sb.subarray(so[0], so[count]), pos);
      const shift = pos - so[0];
      for (let k = 1; k <= count; k++) o[at + k] = so[k] + shift;
      return;
    }
    gatherUtf8Into(so, sb, sel, count, o.subarray(at, at + count + 1), c.bytes);
  }
}

function copyInto<T extends Int32Array | Float64Array | BigInt64Array | Uint8Array>(dst: T, src: T, n: number): T {
  if (n > 0) (dst as Int32Array).set((src as Int32Array).subarray(0, n));
  return dst;
}
