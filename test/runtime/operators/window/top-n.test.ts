import type { RecordBatch } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { keyGroupBatch } from "../../../../runtime/operators/operator.js";
import { TopNOperator } from "../../../../runtime/operators/window/top-n.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { batchFromRows } from "../../../helpers/random.js";
import { runJob } from "../../../helpers/run-job.js";
import { bidsReference, bidYamlJob } from "../../planner/sql/sql-fixtures.js";

/** Bids per auction in 500 ms windows, then a topN step: the YAML form, on 20,000 seeded bids. */
const job = (topN: string) =>
  bidYamlJob(`    - from: bid
      keyBy: [auction]
    - window: {type: tumbling, size: 500ms}
      aggregate: ["count(*) AS num", "max(price) AS top"]
      windowTime: true
    - topN: ${topN}
`);

const COUNTS = `SELECT auction, epoch_ms(ws) AS window_start, epoch_ms(ws + INTERVAL '500 milliseconds') AS window_end,
  epoch_ms(ws + INTERVAL '500 milliseconds') - 1 AS window_time, count(*) AS num, max(price) AS top
  FROM (SELECT auction, price, time_bucket(INTERVAL '500 milliseconds', "dateTime") AS ws FROM bids) GROUP BY auction, ws`;

describe("window Top-N over a window's output (topN step)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("keeps the first N rows of each window in order, numbered, as ROW_NUMBER() <= N does in DuckDB", async () => {
    const { rows } = await runJob(job('{orderBy: ["num DESC", "auction"], limit: 3, rowNumber: rownum}'));
    const expected = await duck.query(`SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY window_start, window_end ORDER BY num DESC, auction) AS rownum
      FROM (${COUNTS})) WHERE rownum <= 3`);
    expect(expected.length).toBeGreaterThan(10);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("limit 1 is deduplication: one row per window (the highest price; ties go to the lower auction)", async () => {
    const { rows } = await runJob(job('{orderBy: ["top DESC", "auction ASC"], limit: 1}'));
    const expected = await duck.query(`SELECT * EXCLUDE (r) FROM (
      SELECT *, row_number() OVER (PARTITION BY window_start, window_end ORDER BY top DESC, auction) AS r
      FROM (${COUNTS})) WHERE r = 1`);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("partitionBy adds partition columns: the first row per auction and window is every row here", async () => {
    const { rows } = await runJob(job('{partitionBy: [auction], orderBy: ["num"], limit: 1}'));
    expect(rowDifference(rows.results, await duck.query(COUNTS))).toEqual({ only: [[], []] });
  });
});

describe("TopNOperator state", () => {
  const fields: FieldSpec[] = [
    { name: "window_start", type: "timestamp[ms]" },
    { name: "window_end", type: "timestamp[ms]" },
    { name: "k", type: "int64" },
    { name: "v", type: "int64" },
  ];
  const input = { schema: arrowSchema(fields), timeField: "window_end" };
  const make = () =>
    new TopNOperator({
      name: "t",
      input,
      partitionBy: ["k"],
      orderBy: ["v DESC"],
      limit: 2,
      rowNumber: "r",
      maxParallelism: 16,
    });
  const rows = (ws: number, k: number, vs: number[]) =>
    vs.map((v) => ({ window_start: ws, window_end: ws + 10, k, v }));
  const out = (batches: RecordBatch[]) => batches.flatMap(batchRows);

  it("restores from a checkpoint what it kept, and fires it at the window's end", () => {
    const a = make();
    a.processBatch(batchFromRows(fields, [...rows(0, 1, [5, 9, 1]), ...rows(0, 2, [3]), ...rows(10, 1, [4])]));
    a.processBatch(batchFromRows(fields, rows(0, 1, [7])));
    const snap = a.snapshot();
    const b = make();
    b.restore({ meta: snap.meta, keyGroups: new Map([...snap.keyGroups].map(([kg, s]) => [kg, keyGroupBatch(s)])) });
    const expected = out(a.processWatermark(10));
    expect(expected.map((r) => [r.k, r.v, r.r])).toEqual(
      expect.arrayContaining([
        [1, 9, 1],
        [1, 7, 2],
        [2, 3, 1],
      ]),
    );
    expect(expected).toHaveLength(3);
    expect(rowDifference(out(b.processWatermark(10)), expected)).toEqual({ only: [[], []] });
    expect(out(b.processWatermark(20)).map((r) => [r.k, r.v, r.r])).toEqual([[1, 4, 1]]);
    b.processBatch(batchFromRows(fields, rows(10, 1, [8])));
    expect(b.lateRecords()).toBe(1);
  });
});
