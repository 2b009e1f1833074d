import type { PairBuffer } from "./growable.js";
import type { RowEquals } from "./keys.js";

/**
 * A hash table over the rows of one join side, built from precomputed row hashes: bucket heads and
 * a next-row chain in two Int32Arrays, so building allocates two arrays, not one entry per row.
 */
export class HashIndex {
  private constructor(
    private readonly head: Int32Array,
    private readonly next: Int32Array,
    private readonly hashes: Uint32Array,
    private readonly mask: number,
  ) {}

  /** Indexes rows [0, n) by `hashes`; each chain lists its rows in ascending order. */
  static build(hashes: Uint32Array, n: number): HashIndex {
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    const mask = cap - 1;
    const head = new Int32Array(cap).fill(-1);
    const next = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const b = hashes[i] & mask;
      next[i] = head[b];
      head[b] = i;
    }
    return new HashIndex(head, next, hashes, mask);
  }

  /**
   * For every probe row, every indexed row with an equal key: pushes (probe row, indexed row) or,
   * with `swap`, (indexed row, probe row) to `out`. `equals(probeRow, indexedRow)`.
   */
  probe(probeHashes: Uint32Array, n: number, equals: RowEquals, out: PairBuffer, swap: boolean): void {
    const { head, next, hashes, mask } = this;
    for (let i = 0; i < n; i++) {
      const h = probeHashes[i];
      for (let j = head[h & mask]; j >= 0; j = next[j]) {
        if (hashes[j] === h && equals(i, j)) {
          if (swap) out.push(j, i);
          else out.push(i, j);
        }
      }
    }
  }
}
