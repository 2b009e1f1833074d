import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../../runtime/kernels/hash.js";
import { takeBatch } from "../../../../runtime/kernels/take.js";
import { UpsertTopNOperator } from "../../../../runtime/operators/aggregate/upsert-top-n.js";
import { columnsOf } from "../../../../runtime/types/column.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { batchFromRows, seededRng } from "../../../helpers/random.js";
import { throughStorage } from "../../../helpers/snapshots.js";

const FIELDS: FieldSpec[] = [
  { name: "k", type: "utf8" },
  { name: "id", type: "int64" },
  { name: "price", type: "int64" },
];
const MAX_PARALLELISM = 16;
const schema = batchFromRows(FIELDS, []).schema;

function operator(limit: number, partitionBy = ["k"]) {
  return new UpsertTopNOperator({
    name: "pipeline[1].upsertTopN",
    input: { schema, keys: partitionBy },
    partitionBy,
    orderBy: ["price DESC"],
    limit,
    rowNumber: "rn",
    maxParallelism: MAX_PARALLELISM,
  });
}

let nextId = 0;
function randomBatches(seed: number, batches: number): RecordBatch[] {
  const rng = seededRng(seed);
  return Array.from({ length: batches }, () =>
    batchFromRows(
      FIELDS,
      Array.from({ length: 1 + rng.int(0, 40) }, () => ({
        k: `k${rng.int(0, 15)}`,
        id: nextId++,
        price: rng.int(0, 500),
      })),
    ),
  );
}

const rows = (out: RecordBatch[]) => out.flatMap(batchRows);

/** Feeds batches as a keyed exchange would: each row to the subtask owning its key group. */
function run(ops: UpsertTopNOperator[], batches: RecordBatch[]): Row[] {
  const out: Row[] = [];
  for (const batch of batches) {
    const kgs = keyGroups(hashRows([columnsOf(batch)[0]], batch.numRows), MAX_PARALLELISM);
    ops.forEach((op, subtask) => {
      const picked = Int32Array.from(
        [...kgs.keys()].filter((i) => subtaskForKeyGroup(kgs[i], ops.length, MAX_PARALLELISM) === subtask),
      );
      if (picked.length > 0) out.push(...rows(op.processBatch(takeBatch(batch, picked), 0)));
    });
  }
  return out;
}

/** The last row per (k, rn). */
function table(out: Row[]): Map<string, Row> {
  const t = new Map<string, Row>();
  for (const r of out) t.set(`${r.k}/${r.rn}`, r);
  return t;
}

/** Row at a time: per k the `limit` highest prices, ties in arrival order. */
function reference(batches: RecordBatch[], limit: number): Map<string, Row> {
  const byKey = new Map<string, Row[]>();
  for (const r of batches.flatMap(batchRows)) {
    const list = byKey.get(String(r.k)) ?? [];
    list.push(r);
    byKey.set(String(r.k), list);
  }
  const t = new Map<string, Row>();
  for (const [k, list] of byKey) {
    const best = [...list].sort((a, b) => Number(b.price) - Number(a.price) || Number(a.id) - Number(b.id));
    for (const [i, r] of best.slice(0, limit).entries()) t.set(`${k}/${i + 1}`, { ...r, rn: i + 1 });
  }
  return t;
}

describe("UpsertTopNOperator", () => {
  it("emits every place of each partition a batch changed, and nothing for rows that do not place", () => {
    const op = operator(2);
    expect(op.output.upsertKey).toEqual(["k", "rn"]);
    const b = (list: [string, number, number][]) =>
      batchFromRows(
        FIELDS,
        list.map(([k, id, price]) => ({ k, id, price })),
      );
    expect(
      rows(
        op.processBatch(
          b([
            ["a", 1, 10],
            ["b", 2, 5],
            ["a", 3, 30],
          ]),
          0,
        ),
      ),
    ).toEqual([
      { k: "a", id: 3, price: 30, rn: 1 },
      { k: "a", id: 1, price: 10, rn: 2 },
      { k: "b", id: 2, price: 5, rn: 1 },
    ]);
    expect(rows(op.processBatch(b([["a", 4, 1]]), 0))).toEqual([]);
    expect(rows(op.processBatch(b([["a", 5, 20]]), 0))).toEqual([
      { k: "a", id: 3, price: 30, rn: 1 },
      { k: "a", id: 5, price: 20, rn: 2 },
    ]);
  });

  it("deduplication (limit 1) is an upsert stream on the partition alone", () => {
    expect(operator(1).output.upsertKey).toEqual(["k"]);
    expect(() => new UpsertTopNOperator({ ...operator(3).options, rowNumber: undefined })).toThrow(/needs rowNumber/);
  });

  for (const limit of [1, 3]) {
    it(`limit ${limit}: the last row per place equals a row-at-a-time reference`, () => {
      const batches = randomBatches(40 + limit, 30);
      expect(table(run([operator(limit)], batches))).toEqual(reference(batches, limit));
    });

    it(`limit ${limit}: a restored operator goes on like an uninterrupted one, also rescaled 1 -> 3`, () => {
      const batches = randomBatches(50 + limit, 30);
      const before = batches.slice(0, 12);
      const after = batches.slice(12);
      const whole = run([operator(limit)], batches);
      const first = operator(limit);
      const out1 = run([first], before);
      const snapshot = first.snapshot();
      expect([...out1, ...run([first], after)]).toEqual(whole);
      const second = operator(limit);
      second.restore(throughStorage(snapshot));
      expect([...out1, ...run([second], after)]).toEqual(whole);
      const rescaled = [0, 1, 2].map((subtask) => {
        const op = operator(limit);
        op.restore(throughStorage(snapshot, (kg) => subtaskForKeyGroup(kg, 3, MAX_PARALLELISM) === subtask));
        return op;
      });
      expect(table([...out1, ...run(rescaled, after)])).toEqual(reference(batches, limit));
    });
  }
});
