import { type Data, makeData, makeVector, Utf8, type Vector } from "apache-arrow";

const decoder = new TextDecoder();

/**
 * One growing utf8 dictionary that the dictionaries of many input batches are mapped into. Buffered
 * join rows come from many batches, each with its own dictionary; re-keying them into one shared
 * dictionary lets rows of different batches sit in one column and be gathered and concatenated.
 * The work is per dictionary entry (remaps are cached per input dictionary), never per row.
 */
export class SharedDictionary {
  private bytes: Uint8Array = new Uint8Array(4096);
  private offsets = new Int32Array(257);
  private count = 0;
  private readonly ids = new Map<string, number>();
  private readonly remaps = new WeakMap<Vector, Int32Array>();
  /** Vectors this dictionary handed out: entry i of one is entry i here (rows copied store to store). */
  private readonly own = new WeakSet<Vector>();
  private cached: Vector<Utf8> | null = null;

  get size(): number {
    return this.count;
  }

  /** Maps every entry of an input dictionary to its id here; -1 for a null entry. */
  remap(dictionary: Vector): Int32Array {
    let ids = this.remaps.get(dictionary);
    if (ids) return ids;
    ids = new Int32Array(dictionary.length);
    if (this.own.has(dictionary)) {
      for (let i = 0; i < ids.length; i++) ids[i] = i;
      this.remaps.set(dictionary, ids);
      return ids;
    }
    let base = 0;
    for (const chunk of dictionary.data as Data[]) {
      // Arrow slices a utf8 chunk by its offsets buffer: entry i spans offsets[i]..offsets[i + 1].
      const off = chunk.valueOffsets as Int32Array;
      const bytes = chunk.values as Uint8Array;
      const bm = chunk.nullCount > 0 ? chunk.nullBitmap : null;
      for (let i = 0; i < chunk.length; i++) {
        const j = chunk.offset + i;
        if (bm && ((bm[j >> 3] >> (j & 7)) & 1) === 0) ids[base + i] = -1;
        else ids[base + i] = this.intern(bytes, off[i], off[i + 1]);
      }
      base += chunk.length;
    }
    this.remaps.set(dictionary, ids);
    return ids;
  }

  /** The dictionary as a Vector; the same object until an entry is added. */
  vector(): Vector<Utf8> {
    if (!this.cached) {
      const n = this.count;
      const data = makeData({
        type: new Utf8(),
        length: n,
        valueOffsets: this.offsets.subarray(0, n + 1),
        data: this.bytes.subarray(0, this.offsets[n]),
        nullCount: 0,
      });
      this.cached = makeVector(data);
      this.own.add(this.cached);
    }
    return this.cached;
  }

  private intern(src: Uint8Array, start: number, end: number): number {
    const s = decoder.decode(src.subarray(start, end));
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    const id = this.count;
    const len = end - start;
    const at = this.offsets[id];
    if (at + len > this.bytes.length) this.bytes = grow(this.bytes, at + len);
    if (id + 2 > this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.bytes.set(src.subarray(start, end), at);
    this.offsets[id + 1] = at + len;
    this.count = id + 1;
    this.ids.set(s, id);
    // Vectors handed out keep their (shorter) views; a new one is made on the next request.
    this.cached = null;
    return id;
  }
}

function grow(a: Uint8Array, need: number): Uint8Array {
  let cap = a.length * 2;
  while (cap < need) cap *= 2;
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
