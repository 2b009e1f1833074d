import { type Data, DataType, Int16, makeData, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../runtime/contract/spec/schema.js";
import { gatherUtf8Into } from "../../runtime/kernels/gather-utf8.js";
import { hashRows, keyGroups } from "../../runtime/kernels/hash.js";
import { chooseKernels, type NativeAddon } from "../../runtime/kernels/native-loader.js";
import { takeDataNative } from "../../runtime/kernels/native-take.js";
import { probeByHash } from "../../runtime/kernels/probe.js";
import { takeData } from "../../runtime/kernels/take.js";
import { columnsOf, valueAt } from "../../runtime/types/column.js";
import {
  ALL_TYPES,
  batchFromColumns,
  columnFromValues,
  type Rng,
  randomBatch,
  SAMPLE_STRINGS,
  seededRng,
} from "../helpers/random.js";

/**
 * Native kernels against the TypeScript ones on the same randomized batches: every kernel must
 * give bit-identical results (hashes decide key groups across processes). Skipped, with the
 * loader's reason printed, when the addon is not built (CI still runs them: .ci/run builds it).
 */
const choice = chooseKernels({ env: { ...process.env, SABOT_NATIVE: "1" } });
const addon = choice.addon;
if (addon === null) console.warn(`test/native: native kernel tests skipped: ${choice.reason}`);

const STRINGS = [...SAMPLE_STRINGS, "ü".repeat(700), "long ".repeat(2000), "abcd", "abcde", "abcdefgh"];
const SIZES = [0, 1, 3, 4, 5, 63, 64, 65, 257, 4099];

function batches(rng: Rng, fields: FieldSpec[], nullRate: number): RecordBatch[] {
  return SIZES.map((n) => randomBatch(rng, fields, n, { nullRate, strings: STRINGS }));
}

/** Column slices with an offset: Arrow-js keeps bit buffers whole and slices the others. */
function sliced(b: RecordBatch, rng: Rng): RecordBatch {
  if (b.numRows < 2) return b;
  const start = rng.int(1, b.numRows - 1);
  return b.slice(start, rng.int(start, b.numRows));
}

function expectSameColumn(a: Data, b: Data): void {
  expect(b.length).toBe(a.length);
  expect(b.nullCount).toBe(a.nullCount);
  expect(String(b.type)).toBe(String(a.type));
  for (let i = 0; i < a.length; i++) expect(valueAt(b, i)).toEqual(valueAt(a, i));
}

describe.skipIf(addon === null)("native kernels agree with the TypeScript kernels", () => {
  const native = addon as NativeAddon;

  it.each([0, 0.3, 1])("hashRows: every type, alone and combined, null rate %s, sliced or not", (nullRate) => {
    const rng = seededRng(11 + nullRate * 100);
    for (const b0 of batches(rng, ALL_TYPES, nullRate)) {
      for (const b of [b0, sliced(b0, rng)]) {
        const cols = columnsOf(b);
        for (const c of cols) expect(hashRows([c], b.numRows, native)).toEqual(hashRows([c], b.numRows, null));
        const keys = rng.shuffle(cols).slice(0, rng.int(2, cols.length));
        expect(hashRows(keys, b.numRows, native)).toEqual(hashRows(keys, b.numRows, null));
      }
    }
  });

  it("hashRows: a dictionary column hashes like the same strings in plain utf8", () => {
    const rng = seededRng(5);
    const values = Array.from({ length: 3000 }, () => (rng.chance(0.1) ? null : rng.pick(STRINGS)));
    const plain = columnFromValues({ name: "s", type: "utf8" }, values);
    const dict = columnFromValues({ name: "s", type: "utf8", dictionary: true }, values);
    const expected = hashRows([plain], values.length, null);
    expect(hashRows([dict], values.length, native)).toEqual(expected);
    expect(hashRows([plain], values.length, native)).toEqual(expected);
    const b = batchFromColumns([{ name: "d", type: "utf8", dictionary: true }], [dict]).slice(7, 2500);
    expect(hashRows(columnsOf(b), b.numRows, native)).toEqual(expected.slice(7, 2500));
  });

  it("hashRows: a column the addon does not cover (int16) is hashed in TS between native columns", () => {
    const rng = seededRng(9);
    const b = randomBatch(rng, ALL_TYPES, 3000, { strings: STRINGS });
    const i16 = makeData({
      type: new Int16(),
      length: 3000,
      data: Int16Array.from({ length: 3000 }, () => rng.int(-30000, 30000)),
    });
    for (const keys of [
      [i16, ...columnsOf(b)],
      [...columnsOf(b).slice(0, 3), i16, ...columnsOf(b).slice(3)],
    ])
      expect(hashRows(keys, 3000, native)).toEqual(hashRows(keys, 3000, null));
  });

  it("keyGroups: same key group for every hash and maxParallelism", () => {
    const rng = seededRng(3);
    for (const n of SIZES) {
      const hashes = Uint32Array.from({ length: n }, () => rng.int(0, 2 ** 32 - 1));
      for (const maxP of [1, 7, 128, 32768])
        expect(keyGroups(hashes, maxP, native)).toEqual(keyGroups(hashes, maxP, null));
    }
  });

  it("probeByHash: same candidate group per row, hits, misses and collisions", () => {
    const rng = seededRng(4);
    for (const groups of [0, 1, 50, 5000]) {
      let cap = 64;
      while (cap < groups * 2) cap *= 2;
      const slots = new Int32Array(cap).fill(-1);
      // Few distinct low bits, so probes walk long chains.
      const gh = Uint32Array.from({ length: groups }, () => (rng.int(0, 2 ** 20) << 6) | rng.int(0, 3));
      gh.forEach((h, g) => {
        let p = h & (cap - 1);
        while (slots[p] >= 0) p = (p + 1) & (cap - 1);
        slots[p] = g;
      });
      for (const n of SIZES) {
        const hashes = Uint32Array.from({ length: n }, () =>
          groups > 0 && rng.chance(0.7) ? gh[rng.int(0, groups - 1)] : rng.int(0, 2 ** 32 - 1),
        );
        const a = new Int32Array(n);
        const b = new Int32Array(n);
        probeByHash(hashes, slots, cap - 1, gh, groups, a, n, native);
        probeByHash(hashes, slots, cap - 1, gh, groups, b, n, null);
        expect(a).toEqual(b);
      }
    }
  });

  it.each([0, 0.3])("take: every type, selections and scattered indices, null rate %s, sliced or not", (nullRate) => {
    const rng = seededRng(21 + nullRate * 10);
    for (const b0 of batches(rng, ALL_TYPES, nullRate)) {
      for (const b of [b0, sliced(b0, rng)]) {
        const n = b.numRows;
        const scattered = Int32Array.from({ length: n === 0 ? 0 : rng.int(0, 2 * n) }, () => rng.int(0, n - 1));
        const every2nd = Int32Array.from({ length: n >> 1 }, (_, i) => 2 * i);
        for (const idx of [scattered, every2nd, new Int32Array(0)]) {
          const count = rng.int(0, idx.length);
          for (const c of columnsOf(b)) {
            const got = takeDataNative(native, c, idx, count);
            if (got === null) {
              expect(DataType.isBool(c.type)).toBe(true); // the one layout left to TypeScript
              continue;
            }
            expectSameColumn(takeData(c, idx, count, null), got);
            expectSameColumn(takeData(c, idx, count, null), takeData(c, idx, count, native));
          }
        }
      }
    }
  });

  it("gatherUtf8Into: appends the selected strings after what a buffer holds, like the TS loop", () => {
    const rng = seededRng(31);
    for (const n of SIZES) {
      const col = columnFromValues(
        { name: "s", type: "utf8" },
        Array.from({ length: n }, () => rng.pick(STRINGS)),
      );
      const sel = Int32Array.from({ length: n === 0 ? 0 : rng.int(0, 3 * n) }, () => rng.int(0, n - 1));
      const so = col.valueOffsets as Int32Array;
      const sb = col.values as Uint8Array;
      const need = sel.reduce((t, j) => t + so[j + 1] - so[j], 0);
      const run = (addon: NativeAddon | null) => {
        const start = rng.int(0, 50);
        const out = new Int32Array(sel.length + 3).fill(start);
        const bytes = new Uint8Array(start + need + 7).fill(0xee);
        gatherUtf8Into(so, sb, sel, sel.length, out.subarray(2), bytes, addon);
        return { out, bytes, start };
      };
      const a = run(native);
      const b = run(null);
      // Same start for both: the rng draws `start` first in each run, so compare shifted results.
      expect(a.out.subarray(2).map((x) => x - a.start)).toEqual(b.out.subarray(2).map((x) => x - b.start));
      expect(a.bytes.subarray(a.start, a.start + need)).toEqual(b.bytes.subarray(b.start, b.start + need));
    }
  });

  it("rejects malformed buffers with an error instead of reading outside them", () => {
    const acc = new Uint32Array(4);
    expect(() =>
      native.hashDict(acc, Int32Array.of(0, 1, 2, 9), Int32Array.of(0, 1, 2, 3), new Uint8Array(3), null, 0, true),
    ).toThrow(/outside the dictionary/);
    expect(() => native.hashUtf8(acc, Int32Array.of(0, 5, 2, 3, 4), new Uint8Array(8), null, 0)).toThrow(/monotonic/);
    expect(() => native.hashUtf8(acc, Int32Array.of(0, 1, 2, 3, 99), new Uint8Array(8), null, 0)).toThrow(/exceed/);
    expect(() => native.hash64(acc, new BigInt64Array(2), null, 0)).toThrow(/shorter/);
    expect(() => native.takeFixed(new Int32Array(4), Int32Array.of(0, 4), 2, new Int32Array(2), 4)).toThrow(
      /outside the column/,
    );
    expect(() => native.hash32(acc, new Int32Array(4), new Uint8Array(0), 0)).toThrow(/validity/);
  });
});
