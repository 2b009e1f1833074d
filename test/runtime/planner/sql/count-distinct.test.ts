import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, RESULTS, sqlManifest } from "./sql-fixtures.js";

describe("SQL COUNT(DISTINCT)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("counts distinct values per key and window, beside COUNT(*), as DuckDB does", async () => {
    const sql = `${BID}${RESULTS("channel VARCHAR, window_start TIMESTAMP(3), bids BIGINT, bidders BIGINT, auctions BIGINT")}
INSERT INTO results
SELECT channel, window_start, COUNT(*), COUNT(DISTINCT bidder), COUNT(DISTINCT auction)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '1' SECOND))
GROUP BY channel, window_start, window_end;`;
    const { rows } = await runJob(sqlManifest(sql));
    const expected =
      await duck.query(`SELECT channel, epoch_ms(time_bucket(INTERVAL '1 second', "dateTime")) AS window_start,
      count(*) AS bids, count(DISTINCT bidder) AS bidders, count(DISTINCT auction) AS auctions
      FROM bids GROUP BY channel, time_bucket(INTERVAL '1 second', "dateTime")`);
    expect(expected.length).toBeGreaterThan(4);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });
});
