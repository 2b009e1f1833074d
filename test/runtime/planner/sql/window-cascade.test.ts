import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, bidYamlJob, RESULTS, sqlManifest } from "./sql-fixtures.js";

/**
 * A window over window output (Flink's cascading windows): the first window's rows carry
 * window_time (window_end - 1 ms) as their event time, so a second window groups each of them into
 * the window that holds its last instant. Full Nexmark q5's aggregation: bids per auction in 10 s
 * windows every 2 s, then the top count of each of those windows (a 2 s tumble over window_time
 * holds exactly the first-stage windows that end at its end). Compared with DuckDB on BID's events.
 */
const COUNTS = `CREATE VIEW counts AS
SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime, window_time AS rowtime
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
GROUP BY auction, window_start, window_end;
`;

const TWO_S = "INTERVAL '2 seconds'";

describe("windows over window output (window_time)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("q5: the top bid count per auction of each sliding window, as DuckDB computes it", async () => {
    const sql = `${BID}${COUNTS}${RESULTS("window_start TIMESTAMP(3), window_end TIMESTAMP(3), maxn BIGINT, auctions BIGINT")}
INSERT INTO results
SELECT window_start, window_end, MAX(num) AS maxn, COUNT(*) AS auctions
FROM TABLE(TUMBLE(TABLE counts, DESCRIPTOR(rowtime), INTERVAL '2' SECOND))
GROUP BY window_start, window_end;`;
    const { rows } = await runJob(sqlManifest(sql));
    const expected = await duck.query(`
      WITH c AS (
        SELECT auction, ws, count(*) AS num
        FROM (SELECT auction, time_bucket(${TWO_S}, "dateTime") - i * ${TWO_S} AS ws FROM bids, range(5) AS r(i))
        GROUP BY auction, ws)
      SELECT epoch_ms(ws + INTERVAL '8 seconds') AS window_start, epoch_ms(ws + INTERVAL '10 seconds') AS window_end,
             max(num) AS maxn, count(*) AS auctions
      FROM c GROUP BY ws`);
    expect(expected.length).toBeGreaterThan(5);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("window_time is window_end minus one millisecond", async () => {
    const sql = `${BID}${COUNTS}${RESULTS("endtime TIMESTAMP(3), rowtime TIMESTAMP(3), n BIGINT")}
INSERT INTO results
SELECT endtime, rowtime, num FROM counts WHERE num > 2;`;
    const { rows } = await runJob(sqlManifest(sql));
    expect(rows.results.length).toBeGreaterThan(0);
    for (const r of rows.results) expect(r.rowtime).toBe((r.endtime as number) - 1);
  });
});

describe("the YAML form of a window over window output", () => {
  it("windowTime and keyBy: [] give what the SQL form gives", async () => {
    const yaml = bidYamlJob(`    - from: bid
      keyBy: [auction]
    - window: {type: sliding, slide: 2s, size: 10s}
      aggregate: ["count(*) AS num"]
      windowTime: true
    - keyBy: []
    - window: {type: tumbling, size: 2s}
      aggregate: ["max(num) AS maxn", "count(*) AS auctions"]
    - select: [window_start, window_end, maxn, auctions]
`);
    const sql = `${BID}${COUNTS}${RESULTS("window_start TIMESTAMP(3), window_end TIMESTAMP(3), maxn BIGINT, auctions BIGINT")}
INSERT INTO results SELECT window_start, window_end, MAX(num), COUNT(*)
FROM TABLE(TUMBLE(TABLE counts, DESCRIPTOR(rowtime), INTERVAL '2' SECOND)) GROUP BY window_start, window_end;`;
    const a = (await runJob(yaml)).rows.results;
    const b = (await runJob(sqlManifest(sql))).rows.results;
    expect(a.length).toBeGreaterThan(5);
    expect(rowDifference(a, b)).toEqual({ only: [[], []] });
  });
});
