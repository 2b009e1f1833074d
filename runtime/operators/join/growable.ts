/** Append-only typed arrays that double when full: row indices, row hashes, match pairs. */

export class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }
  reserve(need: number): void {
    if (need > this.data.length) this.data = grown(this.data, this.length, need, (n) => new Int32Array(n));
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

export class GrowableUint32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }
  /** Appends `src[sel[k]]` for k < count, or the first `count` values when sel is null. */
  appendSelected(src: Uint32Array, sel: Int32Array | null, count: number): void {
    this.reserve(this.length + count);
    if (sel === null) this.data.set(src.subarray(0, count), this.length);
    else for (let k = 0; k < count; k++) this.data[this.length + k] = src[sel[k]];
    this.length += count;
  }
  reserve(need: number): void {
    if (need > this.data.length) this.data = grown(this.data, this.length, need, (n) => new Uint32Array(n));
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Pairs of row indices (one from each side of a join) collected while probing. */
export class PairBuffer {
  left = new GrowableInt32(4096);
  right = new GrowableInt32(4096);
  get length(): number {
    return this.left.length;
  }
  push(l: number, r: number): void {
    this.left.push(l);
    this.right.push(r);
  }
  clear(): void {
    this.left.length = 0;
    this.right.length = 0;
  }
}

/** Event times (ms) of buffered rows, appended like GrowableUint32. */
export class GrowableFloat64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  /** Appends `src[sel[k]]` for k < count, or the first `count` values when sel is null. */
  appendSelected(src: Float64Array, sel: Int32Array | null, count: number): void {
    const need = this.length + count;
    if (need > this.data.length) this.data = grown(this.data, this.length, need, (n) => new Float64Array(n));
    if (sel === null) this.data.set(src.subarray(0, count), this.length);
    else for (let k = 0; k < count; k++) this.data[this.length + k] = src[sel[k]];
    this.length += count;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** A copy of `data`'s first `length` values in an array of at least `need` (doubling, so appends stay amortized O(1)). */
function grown<T extends Int32Array | Uint32Array | Float64Array>(
  data: T,
  length: number,
  need: number,
  make: (capacity: number) => T,
): T {
  let cap = Math.max(16, data.length * 2);
  while (cap < need) cap *= 2;
  const d = make(cap);
  d.set(data.subarray(0, length));
  return d;
}
