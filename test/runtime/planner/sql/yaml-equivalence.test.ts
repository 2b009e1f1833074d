import { describe, expect, it } from "vitest";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidYamlJob, rowKey as key, sqlManifest } from "./sql-fixtures.js";

/** A row as comparable text (bigints as decimal strings). */
/** Runs both forms; their rows (in any order) must be the same, and not none. */
async function expectSameRows(yaml: string, sql: string): Promise<void> {
  const a = (await runJob(bidYamlJob(yaml))).rows.results;
  const b = (await runJob(sqlManifest(`${BID}${sql}`))).rows.results;
  expect(a.length).toBeGreaterThan(0);
  expect(b.map(key).sort()).toEqual(a.map(key).sort());
}

describe("YAML and SQL forms of one job", () => {
  it("give identical output (the quickstart's shape: filter, keyed tumbling window, aggregates, HAVING)", async () => {
    await expectSameRows(
      `    - from: bid
      filter: "price > 1000"
    - keyBy: [auction]
    - window: {type: tumbling, size: 10s}
      aggregate: ["count(*) AS bids", "max(price) AS top_price", "avg(price) AS avg_price"]
    - filter: "bids >= 2"`,
      `CREATE TABLE results (auction BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), bids BIGINT, top_price BIGINT, avg_price DOUBLE) WITH ('connector' = 'print');
INSERT INTO results
SELECT auction, window_start, window_end, COUNT(*) AS bids, MAX(price) AS top_price, AVG(price) AS avg_price
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
WHERE price > 1000
GROUP BY auction, window_start, window_end
HAVING COUNT(*) >= 2;`,
    );
  });

  it("give identical output for the q1 and q2 shapes (projection with arithmetic; filter and projection)", async () => {
    await expectSameRows(
      '    - from: bid\n      select: [auction, bidder, "price * 0.908 AS price_eur", dateTime]',
      `CREATE TABLE results (auction BIGINT, bidder BIGINT, price_eur DOUBLE, \`dateTime\` TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO results SELECT auction, bidder, 0.908 * price, \`dateTime\` FROM bid;`,
    );
    await expectSameRows(
      '    - from: bid\n      filter: "auction % 123 = 0"\n    - select: [auction, price]',
      `CREATE TABLE results (auction BIGINT, price BIGINT) WITH ('connector' = 'print');
INSERT INTO results SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;`,
    );
  });
});
