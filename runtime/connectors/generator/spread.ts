import { type Data, DataType, makeData } from "apache-arrow";

/**
 * Spreads a non-null column of m rows over n rows: row i goes to row at[i] (at ascending), the
 * other rows are null. How the combined Nexmark stream places each kind's columns: a person's
 * columns are set on person events and null on the rest. Handles the column types the Nexmark
 * generators make: int64 and timestamp, utf8, and dictionaries with int32 keys.
 */
export function spread(d: Data, at: Int32Array, n: number): Data {
  const validity = new Uint8Array((n + 7) >> 3);
  for (const r of at) validity[r >> 3] |= 1 << (r & 7);
  const common = { length: n, nullCount: n - at.length, nullBitmap: validity };
  const t = d.type;
  if (DataType.isUtf8(t)) {
    const src = d.valueOffsets as Int32Array;
    const offsets = new Int32Array(n + 1);
    // Rows keep their order, so the bytes are the source's bytes as they are.
    let pos = 0;
    for (let r = 0, i = 0; r < n; r++) {
      offsets[r] = pos;
      if (i < at.length && at[i] === r) {
        pos += src[i + 1] - src[i];
        i++;
      }
    }
    offsets[n] = pos;
    return makeData({ ...common, type: t, valueOffsets: offsets, data: (d.values as Uint8Array).subarray(src[0]) });
  }
  if (DataType.isDictionary(t)) {
    const keys = new Int32Array(n);
    const src = d.values as Int32Array;
    for (let i = 0; i < at.length; i++) keys[at[i]] = src[i];
    return makeData({ ...common, type: t, data: keys, dictionary: d.dictionary });
  }
  if ((DataType.isInt(t) && t.bitWidth === 64) || DataType.isTimestamp(t)) {
    // Two 32-bit halves per value: no BigInt per row.
    const src = new Int32Array(
      (d.values as BigInt64Array).buffer,
      (d.values as BigInt64Array).byteOffset,
      2 * at.length,
    );
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
