import { type Data, type DataType, Type } from "apache-arrow";

/**
 * Structural checks of Arrow data that came from outside the process (an exchange frame, an
 * arrow-framed Kafka record). arrow-js trusts an IPC message's buffer lengths and offsets: a short
 * values buffer or an offset past its end reads as undefined or other rows' bytes later, silently.
 * These checks make such data fail here, with the column's path, instead.
 */
export class InvalidArrowDataError extends Error {
  override name = "InvalidArrowDataError";
}

const bad = (path: string, what: string) => new InvalidArrowDataError(`column ${path}: ${what}`);

/** Whether an offsets buffer covers `count` rows from `offset`, never decreases and stays within `limit`. */
function checkOffsets(
  offsets: Int32Array | BigInt64Array | undefined,
  offset: number,
  count: number,
  limit: number,
  path: string,
): void {
  if (!offsets || offsets.length < offset + count + 1) throw bad(path, "its offsets buffer is shorter than its rows");
  const end = offset + count;
  // One tight loop over the common 32-bit offsets; 64-bit ones (large utf8) go through Number.
  const at = offsets instanceof Int32Array ? (i: number) => offsets[i]! : (i: number) => Number(offsets[i]);
  let prev = at(offset);
  if (prev < 0) throw bad(path, "a negative offset");
  let decreasing = -1;
  if (offsets instanceof Int32Array) {
    for (let i = offset + 1; i <= end; i++) {
      const o = offsets[i]!;
      if (o < prev) {
        decreasing = i;
        break;
      }
      prev = o;
    }
  } else
    for (let i = offset + 1; i <= end; i++) {
      const o = at(i);
      if (o < prev) {
        decreasing = i;
        break;
      }
      prev = o;
    }
  if (decreasing >= 0) throw bad(path, `offsets decrease at row ${decreasing - offset}`);
  if (prev > limit) throw bad(path, `an offset (${prev}) past the end of its ${limit} values`);
}

function checkBuffers(d: Data, path: string): void {
  const end = d.offset + d.length;
  const t = d.type as DataType;
  if (d.nullCount > 0 && (d.nullBitmap?.byteLength ?? 0) * 8 < end) throw bad(path, "its validity bitmap is short");
  switch (t.typeId) {
    case Type.Null:
      return;
    case Type.Bool:
      if ((d.values?.byteLength ?? 0) * 8 < end) throw bad(path, "its values buffer is short");
      return;
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      checkOffsets(d.valueOffsets, d.offset, d.length, d.values?.length ?? 0, path);
      return;
    case Type.List:
    case Type.Map:
      checkOffsets(d.valueOffsets, d.offset, d.length, d.children[0]?.length ?? 0, path);
      return;
    case Type.Struct:
      if (d.children.some((c) => c.length < end)) throw bad(path, "a child is shorter than the struct");
      return;
    case Type.FixedSizeList: {
      const size = (t as unknown as { listSize: number }).listSize;
      if ((d.children[0]?.length ?? 0) < end * size) throw bad(path, "its child is shorter than its lists");
      return;
    }
    case Type.Union:
    case Type.DenseUnion:
    case Type.SparseUnion:
      throw bad(path, "union columns are not accepted from outside");
    default:
      // Fixed-width: ints, floats, decimals, dates, times, timestamps, intervals, durations, fixed-size binary.
      if ((d.values?.length ?? 0) < end * d.stride) throw bad(path, "its values buffer is shorter than its rows");
  }
}

/**
 * Dictionary indices must point into the dictionary. One pass over every slot (null ones too hold
 * some index, and kernels that hash keys read them); only an out-of-range slot is asked whether it
 * is null, in which case its index is never looked up.
 */
function checkIndices(d: Data, path: string): void {
  const size = d.dictionary?.length ?? 0;
  const keys = d.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  const end = d.offset + d.length;
  for (let i = d.offset; i < end; i++) {
    const k = keys[i]!;
    if (k >= 0 && k < size) continue;
    if (d.nullCount > 0 && !d.getValid(i - d.offset)) continue;
    throw bad(path, `row ${i - d.offset} refers to dictionary entry ${k} of ${size}`);
  }
}

/**
 * Throws InvalidArrowDataError when `data` (and its children and dictionary) is not self-consistent.
 * `checked`: dictionary chunks validated before (an exchange channel checks a dictionary once, when
 * it arrives, not with every batch that uses it).
 */
export function validateData(d: Data, path: string, checked?: WeakSet<Data>): void {
  checkBuffers(d, path);
  if (d.type.typeId === Type.Dictionary) {
    checkIndices(d, path);
    for (const chunk of d.dictionary?.data ?? [])
      if (!checked?.has(chunk)) validateData(chunk, `${path}.dictionary`, checked);
  }
  d.children.forEach((c, i) => {
    validateData(c, `${path}.${(d.type as DataType).children?.[i]?.name ?? i}`, checked);
  });
}
