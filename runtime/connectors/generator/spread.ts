import { type Data, DataType, makeData } from "apache-arrow";

/**
 * Where one kind's m rows land among n rows (`at`, ascending), with what every column of that kind
 * shares: the validity bitmap and, per row, how many of the kind's rows come before it.
 */
export interface Placement {
  n: number;
  at: Int32Array;
  validity: Uint8Array;
  /** rank[r]: the kind's rows before row r (n + 1 entries). */
  rank: Int32Array;
}

export function placement(at: Int32Array, n: number): Placement {
  const validity = new Uint8Array((n + 7) >> 3);
  const rank = new Int32Array(n + 1);
  let i = 0;
  for (let r = 0; r < n; r++) {
    rank[r] = i;
    if (i < at.length && at[i] === r) {
      validity[r >> 3] |= 1 << (r & 7);
      i++;
    }
  }
  rank[n] = i;
  return { n, at, validity, rank };
}

/**
 * Spreads a non-null column of m rows over n rows: row i goes to row at[i], the other rows are
 * null. How the combined Nexmark stream places each kind's columns: a person's columns are set on
 * person events and null on the rest. Handles the column types the Nexmark generators make: int64
 * and timestamp, utf8, and dictionaries with int32 keys.
 */
export function spread(d: Data, p: Placement): Data {
  const { n, at, rank } = p;
  const common = { length: n, nullCount: n - at.length, nullBitmap: p.validity };
  const t = d.type;
  if (DataType.isUtf8(t)) {
    const src = d.valueOffsets as Int32Array;
    const base = src[0];
    // A null row is empty: its offset is where the next row of the kind starts.
    const offsets = new Int32Array(n + 1);
    for (let r = 0; r <= n; r++) offsets[r] = src[rank[r]] - base;
    return makeData({ ...common, type: t, valueOffsets: offsets, data: (d.values as Uint8Array).subarray(base) });
  }
  if (DataType.isDictionary(t)) {
    const keys = new Int32Array(n);
    const src = d.values as Int32Array;
    for (let i = 0; i < at.length; i++) keys[at[i]] = src[i];
    return makeData({ ...common, type: t, data: keys, dictionary: d.dictionary });
  }
  if ((DataType.isInt(t) && t.bitWidth === 64) || DataType.isTimestamp(t)) {
    // Two 32-bit halves per value: no BigInt per row.
    const values = d.values as BigInt64Array;
    const src = new Int32Array(values.buffer, values.byteOffset, 2 * at.length);
    const out = new BigInt64Array(n);
    const dst = new Int32Array(out.buffer);
    for (let i = 0; i < at.length; i++) {
      dst[2 * at[i]] = src[2 * i];
      dst[2 * at[i] + 1] = src[2 * i + 1];
    }
    return makeData({ ...common, type: t, data: out } as Parameters<typeof makeData>[0]);
  }
  throw new Error(`spread: unsupported column type ${String(t)}`);
}
