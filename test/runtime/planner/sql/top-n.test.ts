import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, RESULTS, sqlIssues, sqlManifest } from "./sql-fixtures.js";

/** Bids and top price per auction in 1 s windows, the input of each Top-N below. */
const COUNTS = `CREATE VIEW counts AS
SELECT auction, window_start, window_end, COUNT(*) AS num, MAX(price) AS top
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '1' SECOND))
GROUP BY auction, window_start, window_end;
`;
const DUCK_COUNTS = `SELECT auction, epoch_ms(ws) AS window_start, epoch_ms(ws + INTERVAL '1 second') AS window_end,
  count(*) AS num, max(price) AS top
  FROM (SELECT auction, price, time_bucket(INTERVAL '1 second', "dateTime") AS ws FROM bids) GROUP BY auction, ws`;
const OUT = RESULTS("auction BIGINT, window_end TIMESTAMP(3), num BIGINT, rownum BIGINT");

describe("SQL window Top-N and deduplication", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ...) <= N equals DuckDB's", async () => {
    const sql = `${BID}${COUNTS}${OUT}INSERT INTO results
SELECT auction, window_end, num, rownum FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY num DESC, auction ASC) AS rownum
  FROM counts)
WHERE rownum <= 3;`;
    const { rows } = await runJob(sqlManifest(sql));
    const expected = await duck.query(`SELECT auction, window_end, num, rownum FROM (
      SELECT *, row_number() OVER (PARTITION BY window_start, window_end ORDER BY num DESC, auction) AS rownum
      FROM (${DUCK_COUNTS})) WHERE rownum <= 3`);
    expect(expected.length).toBeGreaterThan(6);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("rownum = 1 deduplicates: the auction with the highest bid of each window", async () => {
    const sql = `${BID}${COUNTS}${RESULTS("auction BIGINT, window_end TIMESTAMP(3), top BIGINT")}INSERT INTO results
SELECT auction, window_end, top FROM (
  SELECT auction, window_start, window_end, top,
    ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY top DESC, auction) AS rn
  FROM counts) t
WHERE rn = 1;`;
    const { rows } = await runJob(sqlManifest(sql));
    const expected = await duck.query(`SELECT auction, window_end, top FROM (
      SELECT *, row_number() OVER (PARTITION BY window_start, window_end ORDER BY top DESC, auction) AS rn
      FROM (${DUCK_COUNTS})) WHERE rn = 1`);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("refuses window Top-N without a row limit or without window bounds in PARTITION BY (over rows: top-n-rows.test.ts)", () => {
    const q = (inner: string, where = "rownum <= 3") =>
      `${BID}${COUNTS}${OUT}INSERT INTO results SELECT auction, window_end, num, rownum FROM (SELECT *, ${inner} AS rownum FROM counts) WHERE ${where};`;
    const over = "ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY num DESC)";
    expect(sqlIssues(q(over, "num > 3"))[0].message).toMatch(/Top-N needs WHERE rownum <= N/);
    expect(sqlIssues(q("ROW_NUMBER() OVER (PARTITION BY auction ORDER BY num DESC)"))[0].message).toMatch(
      /needs PARTITION BY window_start, window_end/,
    );
    // Over a table's rows (no window bounds at all) it is an updating Top-N: top-n-rows.test.ts.
    expect(
      sqlIssues(
        `${BID}${OUT}INSERT INTO results SELECT auction, bidder, price, rownum FROM (SELECT auction, bidder, price, window_end, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rownum FROM bid) WHERE rownum <= 10;`,
      )[0].message,
    ).toMatch(/unknown column window_end/);
  });
});
