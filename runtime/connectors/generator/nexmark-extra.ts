import { FixedDictionary } from "./columns.js";
import { mix32, nextHash } from "./rng.js";

/**
 * Nexmark's `extra` padding (Beam's nextExtra): an event of `current` bytes gets a random
 * lower-case string of about `average - current` bytes (±20%, uniform), so events average
 * `average` bytes. Here it is a dictionary column: every length the draw can give, in a few
 * variants, made once per generator from the seed; a row costs one key, not a string. The
 * variants are few (about 64 KiB of text in all) because exchange frames and Kafka batches carry
 * the dictionary; what queries see is the length and the letters, as q14 counts them.
 */
export class ExtraPadding {
  readonly dictionary: FixedDictionary;
  private readonly variants: number;
  private readonly shortest: number;

  /** `current` is the range of event sizes before padding that the caller can produce. */
  constructor(
    private readonly average: number,
    current: { min: number; max: number },
    seedKey: number,
  ) {
    this.shortest = current.max > average ? 0 : this.sizes(current.max)[0];
    const longest = current.min > average ? 0 : Math.max(0, this.sizes(current.min)[1]);
    let text = 0;
    for (let l = this.shortest; l <= longest; l++) text += l;
    this.variants = Math.max(1, Math.floor(TEXT_BUDGET_BYTES / Math.max(1, text)));
    const bases = Array.from({ length: this.variants }, (_, v) => letters(mix32(seedKey ^ (0x68e31da4 + v)), longest));
    const values: string[] = [];
    for (let l = this.shortest; l <= longest; l++) for (const base of bases) values.push(base.slice(0, l));
    this.dictionary = new FixedDictionary(values);
  }

  /** Beam's draw for an event of `current` bytes: [min, min + 2 × delta) characters. */
  private sizes(current: number): [number, number] {
    const want = this.average - current;
    const delta = Math.round(want * 0.2);
    return [want - delta, want - delta + Math.max(0, 2 * delta - 1)];
  }

  /** The dictionary key of the padding for an event of `current` bytes, from a 32-bit hash h. */
  key(current: number, h: number): number {
    if (current > this.average) return 0;
    const want = this.average - current;
    const delta = Math.round(want * 0.2);
    // The high 24 bits draw the length (small integers: no floating-point modulo), the low 8 the variant.
    const size = want - delta + (delta === 0 ? 0 : (h >>> 8) % (2 * delta));
    return (size - this.shortest) * this.variants + ((h & 0xff) % this.variants);
  }
}

/**
 * For a fixed event size (a bid's): the key for each 16-bit draw, so the hot loop makes one table
 * lookup instead of two integer divisions by numbers known only at run time.
 */
export function extraKeyTable(padding: ExtraPadding, current: number): Int32Array {
  const table = new Int32Array(65536);
  // i × 0x10001 spreads the 16 bits over the 32 that key() reads (length from the high 24, variant from the low 8).
  for (let i = 0; i < table.length; i++) table[i] = padding.key(current, (i * 0x10001) >>> 0);
  return table;
}

const TEXT_BUDGET_BYTES = 65_536;
const LETTER_A = 97;

/** n random lower-case letters from successive hashes of h (Beam's nextExactString has no spaces). */
function letters(h: number, n: number): string {
  const codes = new Array<number>(n);
  for (let i = 0; i < n; i++) codes[i] = LETTER_A + (nextHash(h, i + 1) % 26);
  return String.fromCharCode(...codes);
}
