import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, RESULTS, sqlIssues, sqlManifest } from "./sql-fixtures.js";

/** examples/nexmark/q12.sql as written, into a print table named results. */
const Q12 = readFileSync(new URL("../../../../examples/nexmark/q12.sql", import.meta.url), "utf8")
  .replace(/'connector' = 'blackhole'/, "'connector' = 'print'")
  .replace(/nexmark_q12/g, "results");

/**
 * Processing-time windows depend on when rows arrive, so their exact windows are not compared:
 * the structure (10 s windows on wall-clock bounds around the run) and the totals are.
 */
describe("PROCTIME() and processing-time windows (Nexmark q12)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("q12: every bid is counted once, per bidder, in 10 s windows of the wall clock", async () => {
    const before = Date.now();
    const { rows } = await runJob(sqlManifest(`${BID}${Q12}`));
    const after = Date.now();
    const perBidder = new Map<number, number>();
    for (const r of rows.results) {
      const [start, end] = [Number(r.starttime), Number(r.endtime)];
      expect(end - start).toBe(10_000);
      expect(start % 10_000).toBe(0);
      expect(end).toBeGreaterThan(before);
      expect(start).toBeLessThanOrEqual(after);
      perBidder.set(Number(r.bidder), (perBidder.get(Number(r.bidder)) ?? 0) + Number(r.bid_count));
    }
    const expected = await duck.query("SELECT bidder, count(*) AS bid_count FROM bids GROUP BY bidder");
    const actual = [...perBidder].map(([bidder, bid_count]) => ({ bidder, bid_count }));
    expect(rowDifference(actual, expected)).toEqual({ only: [[], []] });
  });

  it("compiles to a processing-time window step; the view adds no step", () => {
    const c = compileSql(`${BID}${Q12}`);
    expect(c.pipeline[0]).toMatchObject({ from: "bid", keyBy: ["bidder"] });
    expect(c.pipeline[1].window).toEqual({ type: "tumbling", size: "10s", time: "processing" });
  });

  it("PROCTIME() elsewhere than a select item, and writing it into a table, are refused with the form to write", () => {
    const view = "CREATE VIEW B AS SELECT auction, PROCTIME() AS p FROM bid;\n";
    const where = sqlIssues(
      `${BID}${RESULTS("a BIGINT")}INSERT INTO results SELECT auction FROM bid WHERE PROCTIME() IS NOT NULL;`,
    );
    expect(where[0].message).toMatch(/PROCTIME\(\) is supported only as a select item/);
    const written = sqlIssues(
      `${BID}${view}${RESULTS("a BIGINT, t TIMESTAMP(3)")}INSERT INTO results SELECT auction, p FROM B;`,
    );
    expect(written[0].message).toMatch(/a PROCTIME\(\) attribute has no value to write into a table/);
  });
});
