import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, bidYamlJob, RESULTS, sqlIssues, sqlManifest } from "./sql-fixtures.js";

/** examples/nexmark/q11.sql as written, into a print table named results. */
const Q11 = readFileSync(new URL("../../../../examples/nexmark/q11.sql", import.meta.url), "utf8")
  .replace(/'connector' = 'blackhole'/, "'connector' = 'print'")
  .replace(/nexmark_q11/g, "results");

/**
 * Sessions per bidder computed in SQL with window functions: a bid more than the gap after the
 * bidder's previous one starts a session (sessions that touch merge, as in Flink), and a session
 * ends a gap after its last bid.
 */
const SESSIONS = (gapSeconds: number) => `
  WITH marked AS (
    SELECT bidder, "dateTime" AS t,
      CASE WHEN "dateTime" - lag("dateTime") OVER (PARTITION BY bidder ORDER BY "dateTime") <= INTERVAL '${gapSeconds} seconds'
           THEN 0 ELSE 1 END AS starts
    FROM bids),
  numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY bidder ORDER BY t, starts DESC ROWS UNBOUNDED PRECEDING) AS session
    FROM marked)
  SELECT bidder, count(*) AS bid_count, epoch_ms(min(t)) AS starttime,
    epoch_ms(max(t) + INTERVAL '${gapSeconds} seconds') AS endtime
  FROM numbered GROUP BY bidder, session`;

describe("SESSION window table function (Nexmark q11)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("q11: bids per bidder session equal DuckDB's sessions, bounds included", async () => {
    const { rows } = await runJob(sqlManifest(`${BID}${Q11}`));
    const expected = await duck.query(SESSIONS(10));
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.some((r) => Number(r.bid_count) > 1)).toBe(true);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("compiles to a keyBy on the partition keys and a session window, as the YAML form writes it", () => {
    const c = compileSql(`${BID}${Q11}`);
    expect(c.pipeline.slice(0, 2).map(({ as: _, ...s }) => s)).toEqual([
      { from: "bid", keyBy: ["bidder"] },
      { from: "insert.results.keyBy", window: { type: "session", gap: "10s" }, aggregate: ["count(*) AS `bid_count`"] },
    ]);
  });

  it("gives the same rows as the YAML form (keyBy bidder, a session window)", async () => {
    const yaml = bidYamlJob(`    - from: bid
      keyBy: [bidder]
    - window: {type: session, gap: 10s}
      aggregate: ["count(*) AS bid_count"]
    - select: [bidder, bid_count, window_start AS starttime, window_end AS endtime]`);
    const fromYaml = (await runJob(yaml)).rows.results;
    const fromSql = (await runJob(sqlManifest(`${BID}${Q11}`))).rows.results;
    expect(fromYaml.length).toBeGreaterThan(100);
    expect(rowDifference(fromSql, fromYaml)).toEqual({ only: [[], []] });
  });

  it("a syntax error after a rewritten SESSION is still at its own line and column", () => {
    const sql = `${BID}${RESULTS("n BIGINT")}INSERT INTO results SELECT COUNT(*) FROM TABLE(
  SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end HAVIN;`;
    const line = BID.split("\n").length + 1;
    expect(sqlIssues(sql)[0].path).toBe(`spec.sql:${line + 2}:43`);
  });

  it("GROUP BY keys other than the partition keys are refused at PARTITION BY, with the form to write", () => {
    const line = BID.split("\n").length + 1;
    const query = (partition: string, keys: string) =>
      `${BID}${RESULTS("n BIGINT")}INSERT INTO results SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid${partition}, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY ${keys}window_start, window_end;`;
    const [other] = sqlIssues(query(" PARTITION BY bidder", "auction, "));
    expect(other.path).toBe(`spec.sql:${line}:79`); // bidder, after PARTITION BY
    expect(other.message).toMatch(
      /per PARTITION BY bidder but the GROUP BY keys are auction .*SESSION\(TABLE bid PARTITION BY auction/,
    );
    const [none] = sqlIssues(query("", "bidder, "));
    expect(none.message).toMatch(/whole table \(no PARTITION BY\) but the GROUP BY keys are bidder/);
    expect(sqlIssues(query("", ""))).toEqual([]);
  });
});
