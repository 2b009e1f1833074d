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
    if (need <= this.data.length) return;
    let cap = Math.max(16, this.data.length * 2);
    while (cap < need) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
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
    if (need <= this.data.length) return;
    let cap = Math.max(16, this.data.length * 2);
    while (cap < need) cap *= 2;
    const d = new Uint32Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
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
    if (this.length + count > this.data.length) {
      let cap = Math.max(16, this.data.length * 2);
      while (cap < this.length + count) cap *= 2;
      const d = new Float64Array(cap);
      d.set(this.data.subarray(0, this.length));
      this.data = d;
    }
    if (sel === null) this.data.set(src.subarray(0, count), this.length);
    else for (let k = 0; k < count; k++) this.data[this.length + k] = src[sel[k]];
    this.length += count;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
