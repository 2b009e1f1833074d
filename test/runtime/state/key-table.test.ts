import { type Data, DataType, Dictionary, Field, Float64, Int32, Int64, Utf8 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups } from "../../../runtime/kernels/hash.js";
import { bucketByKeyGroup } from "../../../runtime/state/key-groups.js";
import { KeyTable } from "../../../runtime/state/key-table.js";
import { float64Data, int64Data, utf8Data } from "../../../runtime/types/builders.js";
import { columnsOf, valueAt } from "../../../runtime/types/column.js";
import { batchFromRows, dictionaryData, EACH_TYPE, type Rng, seededRng } from "../../helpers/random.js";

type Value = string | number | boolean | null;

const KEY_FIELDS: FieldSpec[] = EACH_TYPE;

const STRINGS = ["", "a", "b", "ab", "é", "日本語", "🚀", "x".repeat(50)];

function randomKey(rng: Rng, spec: FieldSpec): Value {
  if (rng.chance(0.1)) return null;
  switch (spec.type) {
    case "utf8":
      return rng.pick(STRINGS);
    case "int32":
      return rng.int(-2, 2);
    case "int64":
      return rng.pick([0, -1, 2 ** 40, -(2 ** 40), 7]);
    case "float64":
      return rng.pick([0, 1.5, -3.25, 1e300]);
    case "bool":
      return rng.chance(0.5);
    case "timestamp[ms]":
      return 1_700_000_000_000 + rng.int(0, 2) * 1000;
  }
}

function randomRows(rng: Rng, fields: FieldSpec[], n: number): Record<string, Value>[] {
  return Array.from({ length: n }, () => Object.fromEntries(fields.map((f) => [f.name, randomKey(rng, f)])));
}

/** Distinct integers below 2^52 whose high and low 32-bit words both vary. */
const spread = (i: number) => ((i * 2654435761) % 2 ** 20) * 2 ** 32 + ((i * 40503) % 2 ** 32);

function tableFor(fields: FieldSpec[], maxParallelism = 128): KeyTable {
  const schema = batchFromRows(fields, []).schema;
  return new KeyTable(schema.fields, maxParallelism);
}

describe("KeyTable", () => {
  for (let k = 1; k <= KEY_FIELDS.length; k++) {
    const fields = KEY_FIELDS.slice(k - 1, k + 1); // one or two key columns of each type
    it(`gives equal keys one dense id, in first-seen order: ${fields.map((f) => f.type + (f.dictionary ? "(dict)" : "")).join(" + ")}`, () => {
      const rng = seededRng(k);
      const table = tableFor(fields);
      const reference = new Map<string, number>();
      for (let b = 0; b < 20; b++) {
        const rows = randomRows(rng, fields, rng.int(0, 200));
        let batch = batchFromRows(fields, [...rows, ...randomRows(rng, fields, 3)]);
        if (rng.chance(0.5)) batch = batch.slice(0, rows.length);
        else batch = batchFromRows(fields, rows);
        const ids = table.insert(columnsOf(batch), rows.length);
        const expected = rows.map((r) => {
          const key = JSON.stringify(fields.map((f) => r[f.name]));
          if (!reference.has(key)) reference.set(key, reference.size);
          return reference.get(key)!;
        });
        expect([...ids]).toEqual(expected);
      }
      expect(table.size).toBe(reference.size);
      // Keys come back as Arrow columns with the stored values.
      const all = Int32Array.from({ length: table.size }, (_, g) => g);
      const cols = table.keyColumns(all);
      const back = [...reference.keys()].map((_, g) => JSON.stringify(cols.map((c) => valueAt(c, g))));
      expect(back).toEqual([...reference.keys()]);
      expect([...table.insert(cols, all.length)]).toEqual([...all]);
      expect([...table.find(table.keyColumns(all, all.length, true), all.length)]).toEqual([...all]);
    });
  }

  it("finds without inserting, -1 for unknown keys", () => {
    const table = tableFor([{ name: "s", type: "utf8" }]);
    table.insert([utf8Data(["a", "b", null])], 3);
    expect([...table.find([utf8Data(["b", "zz", null, "a"])], 4)]).toEqual([1, -1, 2, 0]);
    expect(table.size).toBe(3);
  });

  it("matches dictionary-encoded and plain strings by value", () => {
    const table = new KeyTable([new Field("d", new Dictionary(new Utf8(), new Int32()), true)], 128);
    expect([...table.insert([dictionaryData(["x", "y", null, "x"])], 4)]).toEqual([0, 1, 2, 0]);
    expect([...table.insert([dictionaryData(["y", "z", "x"])], 3)]).toEqual([1, 3, 0]);
    expect([...table.insert([utf8Data(["z", null, "y"])], 3)]).toEqual([3, 2, 1]);
    const out = table.keyColumns(Int32Array.of(3, 0, 2));
    expect(DataType.isDictionary(out[0].type)).toBe(true);
    expect([0, 1, 2].map((i) => valueAt(out[0], i))).toEqual(["z", "x", null]);
    const plain = table.keyColumns(Int32Array.of(3, 0, 2), 3, true);
    expect(DataType.isUtf8(plain[0].type)).toBe(true);
    expect(table.snapshotFields()[0].type).toBeInstanceOf(Utf8);
  });

  it.each([
    ["utf8", (i: number) => `key-${i}`, (v: Value[]) => utf8Data(v as string[]), { name: "k", type: "utf8" }],
    // (A lone int32 key cannot collide: the hash is a bijection of 32-bit values.)
    [
      "int64",
      (i: number) => spread(i),
      (v: Value[]) => int64Data(Float64Array.from(v as number[])),
      { name: "k", type: "int64" },
    ],
    [
      "float64",
      (i: number) => spread(i) / 1024,
      (v: Value[]) => float64Data(Float64Array.from(v as number[])),
      { name: "k", type: "float64" },
    ],
  ] as const)("tells apart different %s keys with the same 32-bit hash", (_, value, column, field) => {
    const candidates = [...new Set(Array.from({ length: 200_000 }, (_, i) => value(i)))];
    const hashes = hashRows([column(candidates)], candidates.length);
    const seen = new Map<number, number>();
    let pair: Value[] | null = null;
    for (let i = 0; i < candidates.length && !pair; i++) {
      const j = seen.get(hashes[i]);
      if (j !== undefined) pair = [candidates[j], candidates[i]];
      seen.set(hashes[i], i);
    }
    expect(pair).not.toBeNull();
    const [a, b] = pair!;
    const table = tableFor([field as FieldSpec]);
    expect([...table.insert([column([a, b, a, b])], 4)]).toEqual([0, 1, 0, 1]);
    expect([...table.insert([column([b, a])], 2)]).toEqual([1, 0]);
    expect(table.hashOf(0)).toBe(table.hashOf(1));
  });

  it("compares 64-bit values by bits, like the hash: 0 and -0 differ, NaN equals NaN", () => {
    const table = new KeyTable([new Field("f", new Float64(), true)], 128);
    expect([...table.insert([float64Data(Float64Array.of(0, -0, Number.NaN, Number.NaN, 0))], 5)]).toEqual([
      0, 1, 2, 2, 0,
    ]);
  });

  it("one 64-bit key column (one-pass lookup, native when built) gives first-seen ids, bitwise equality, nulls and key groups, across compactions", () => {
    const rng = seededRng(11);
    const pool = [0, -0, Number.NaN, 1.5, -(2 ** 40), 2 ** 52, 7, null];
    for (const type of [new Float64(), new Int64()]) {
      const table = new KeyTable([new Field("k", type, true)], 97);
      let reference = new Map<string, number>();
      for (let b = 0; b < 12; b++) {
        const n = rng.int(64, 3000);
        const values = Array.from({ length: n }, () =>
          rng.chance(0.5) ? spread(rng.int(0, 5000)) : (pool[rng.int(0, pool.length - 1)] ?? null),
        );
        const ints = values.map((v) => (v === null ? 0 : DataType.isInt(type) ? Math.trunc(v) || 0 : v));
        const valid = Uint8Array.from(values, (v) => (v === null ? 0 : 1));
        const col = DataType.isInt(type)
          ? int64Data(Float64Array.from(ints), valid)
          : float64Data(Float64Array.from(ints), valid);
        const ids = table.insert([col], n);
        const keyOf = (i: number) => (values[i] === null ? "null" : Object.is(ints[i], -0) ? "-0" : String(ints[i]));
        const expected = Array.from({ length: n }, (_, i) => {
          const k = keyOf(i);
          if (!reference.has(k)) reference.set(k, reference.size);
          return reference.get(k)!;
        });
        expect([...ids.subarray(0, n)]).toEqual(expected);
        const groups = keyGroups(hashRows([col], n), 97);
        for (let i = 0; i < n; i++) expect(table.keyGroupOf(ids[i])).toBe(groups[i]);
        if (b % 4 === 3) {
          // Keep every other group, as the window operator drops keys without open windows.
          const remap = table.compact(Uint8Array.from({ length: table.size }, (_, g) => (g + 1) % 2));
          reference = new Map([...reference].filter(([, g]) => remap[g] >= 0).map(([k, g]) => [k, remap[g]]));
        }
      }
    }
  });

  it("puts every row in one group when there are no key columns", () => {
    const table = new KeyTable([], 128);
    expect([...table.insert([], 3)]).toEqual([0, 0, 0]);
    expect(table.size).toBe(1);
    expect(table.keyColumns(Int32Array.of(0))).toEqual([]);
  });

  it("knows each group's key group, as the exchange computes it", () => {
    const rng = seededRng(7);
    const fields = KEY_FIELDS.slice(0, 4);
    const batch = batchFromRows(fields, randomRows(rng, fields, 500));
    const table = tableFor(fields, 97);
    const ids = table.insert(columnsOf(batch), 500);
    const expected = keyGroups(hashRows(columnsOf(batch), 500), 97);
    for (let i = 0; i < 500; i++) expect(table.keyGroupOf(ids[i])).toBe(expected[i]);
  });

  it("drops groups on compaction and renumbers the rest in order", () => {
    const rng = seededRng(8);
    const fields: FieldSpec[] = [
      { name: "s", type: "utf8" },
      { name: "i64", type: "int64" },
    ];
    const rows = randomRows(rng, fields, 300);
    const batch = batchFromRows(fields, rows);
    const table = tableFor(fields);
    const before = table.insert(columnsOf(batch), rows.length);
    const keep = Uint8Array.from({ length: table.size }, (_, g) => g % 3);
    const kept = [...keep].filter((k) => k).length;
    const remap = table.compact(keep);
    expect(table.size).toBe(kept);
    const after = table.find(columnsOf(batch), rows.length);
    for (let i = 0; i < rows.length; i++) expect(after[i]).toBe(keep[before[i]] ? remap[before[i]] : -1);
    expect([...remap.filter((g) => g >= 0)]).toEqual(Array.from({ length: kept }, (_, i) => i));
    // Dropped keys come back as new groups; kept ones keep their new ids.
    const again = table.insert(columnsOf(batch), rows.length);
    for (let i = 0; i < rows.length; i++) if (keep[before[i]]) expect(again[i]).toBe(remap[before[i]]);
    expect(table.size).toBe(keep.length);
  });

  it("grows past many groups and long keys", () => {
    const n = 50_000;
    const values = Array.from({ length: n }, (_, i) => `k${i}-${"z".repeat(i % 40)}`);
    const table = tableFor([{ name: "s", type: "utf8" }]);
    const ids = table.insert([utf8Data(values)], n);
    expect(ids[n - 1]).toBe(n - 1);
    expect([...table.find([utf8Data(values.slice().reverse())], n)].slice(0, 3)).toEqual([n - 1, n - 2, n - 3]);
    const back: Data = table.keyColumns(Int32Array.of(12_345))[0];
    expect(valueAt(back, 0)).toBe(values[12_345]);
  });
});

describe("bucketByKeyGroup", () => {
  it("lists each key group's entries in ascending order", () => {
    const kgs = [3, 0, 3, 5, 0, 3];
    const buckets = bucketByKeyGroup((i) => kgs[i], kgs.length);
    expect([...buckets.entries()].map(([k, v]) => [k, [...v]])).toEqual([
      [0, [1, 4]],
      [3, [0, 2, 5]],
      [5, [3]],
    ]);
    expect(bucketByKeyGroup(() => 0, 0).size).toBe(0);
  });
});
