import { type Data, Int32, Int64, makeData, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { Partitioner } from "../../../runtime/distributed/exchange/partitioner.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../runtime/kernels/hash.js";
import { columnsOf } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { batchFromColumns, dictionaryData, randomBatch, seededRng } from "../../helpers/random.js";

const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "k64", type: "int64" },
  { name: "s", type: "utf8" },
  { name: "d", type: "utf8", dictionary: true },
  { name: "f", type: "float64" },
  { name: "ts", type: "timestamp[ms]" },
];

const rowsOf = (bs: RecordBatch[]) =>
  bs
    .flatMap(batchRows)
    .map((r) => JSON.stringify(r))
    .sort();

describe("partitioner", () => {
  for (const keys of [["k64"], ["s"], ["d"], ["s", "k64"]]) {
    it(`sends every row to the subtask owning its key group (keys ${keys.join(", ")}), losing none`, () => {
      const rng = seededRng(keys.length * 7 + keys[0].length);
      const batch = randomBatch(rng, FIELDS, 3000, { nullRate: 0.1, intRange: [0, 50] });
      const p = new Partitioner({ kind: "hash", columns: keys, widths: keys.map(() => null) }, batch.schema, 4, 128);
      const parts = p.split(batch);
      expect(rowsOf(parts.filter((b): b is RecordBatch => b !== null))).toEqual(rowsOf([batch]));
      parts.forEach((part, j) => {
        if (!part) return;
        const idx = keys.map((k) => FIELDS.findIndex((f) => f.name === k));
        const groups = keyGroups(
          hashRows(
            idx.map((i) => columnsOf(part)[i]),
            part.numRows,
          ),
          128,
        );
        for (const g of groups) expect(subtaskForKeyGroup(g, 4, 128)).toBe(j);
      });
    });
  }

  it("puts equal strings together whether plain or dictionary-encoded", () => {
    const plainBatch = randomBatch(seededRng(3), [{ name: "s", type: "utf8" }], 500, { nullRate: 0.1 });
    const values = batchRows(plainBatch).map((r) => r.s as string | null);
    const dictBatch = batchFromColumns([{ name: "s", type: "utf8", dictionary: true }], [dictionaryData(values)]);
    const route = (b: RecordBatch) => [
      ...new Partitioner({ kind: "hash", columns: ["s"], widths: [null] }, b.schema, 8, 128).destinations(b),
    ];
    expect(route(dictBatch)).toEqual(route(plainBatch));
  });

  it("routes an int32 join key and an int64 join key of equal value alike when hashed at the join's widths", () => {
    const n = 1000;
    const v32 = new Int32Array(n).map((_, i) => i * 7919 - 3000);
    const v64 = new BigInt64Array(n).map((_, i) => BigInt(i * 7919 - 3000));
    const a = batchFromColumns(
      [{ name: "k", type: "int32" }],
      [makeData({ type: new Int32(), length: n, data: v32 }) as Data],
    );
    const b = batchFromColumns(
      [{ name: "k", type: "int64" }],
      [makeData({ type: new Int64(), length: n, data: v64 }) as Data],
    );
    const left = new Partitioner({ kind: "hash", columns: ["k"], widths: [64] }, a.schema, 4, 128).destinations(a);
    const right = new Partitioner({ kind: "hash", columns: ["k"], widths: [64] }, b.schema, 4, 128).destinations(b);
    expect([...left]).toEqual([...right]);
    expect(new Set(left).size).toBe(4);
  });

  it("sends everything to subtask 0 for a global window, passing the batch through", () => {
    const batch = randomBatch(seededRng(9), FIELDS, 100);
    const parts = new Partitioner({ kind: "single" }, batch.schema, 3, 128).split(batch);
    expect(parts[0]).toBe(batch);
    expect(parts.slice(1)).toEqual([null, null]);
  });
});
