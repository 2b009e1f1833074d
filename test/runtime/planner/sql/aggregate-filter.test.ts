import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, RESULTS, sqlIssues, sqlManifest } from "./sql-fixtures.js";

/** Aggregates with FILTER (WHERE ...) in 1 s windows, as q15-q17 write them per day. */
const QUERY = `${BID}${RESULTS("n BIGINT, rank1 BIGINT, bidders2 BIGINT, google BIGINT, top BIGINT, ws TIMESTAMP(3)")}
INSERT INTO results
SELECT count(*), count(*) filter (where price < 10000),
  count(distinct bidder) FILTER (WHERE price >= 10000 and (price < 1000000)),
  sum(price) filter (where channel = 'Google'), max(price) filter (where price < 0), window_start
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '1' SECOND))
GROUP BY window_start, window_end;`;

describe("aggregate FILTER (WHERE ...)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("in a window aggregate equals DuckDB's FILTER, including a filter no row passes (null)", async () => {
    const { rows } = await runJob(sqlManifest(QUERY));
    const expected = await duck.query(`SELECT count(*) AS n, count(*) FILTER (WHERE price < 10000) AS rank1,
      count(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000) AS bidders2,
      sum(price) FILTER (WHERE channel = 'Google') AS google, max(price) FILTER (WHERE price < 0) AS top,
      epoch_ms(time_bucket(INTERVAL '1 second', "dateTime")) AS ws
      FROM bids GROUP BY ws`);
    expect(expected.length).toBeGreaterThan(1);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("keeps line and column: an error inside the condition points into it", () => {
    const bad = QUERY.replace("where price < 10000", "where pryce < 10000");
    const lines = bad.split("\n");
    const line = lines.findIndex((l) => l.includes("pryce"));
    const at = `spec.sql:${line + 1}:${lines[line].indexOf("pryce") + 1}`;
    expect(sqlIssues(bad)[0]).toMatchObject({ path: at });
    expect(sqlIssues(bad)[0].message).toMatch(/unknown column pryce/);
  });

  it("FILTER that does not follow an aggregate call is a syntax error at FILTER, with the form to write", () => {
    const [issue] = sqlIssues(
      `${BID}${RESULTS("a BIGINT")}INSERT INTO results SELECT price FILTER (WHERE price > 1) FROM bid;`,
    );
    expect(issue.path).toBe(`spec.sql:${BID.split("\n").length + 1}:34`);
    expect(issue.message).toMatch(
      /FILTER \(WHERE \.\.\.\) follows an aggregate call: COUNT\(\*\) FILTER \(WHERE price < 10000\)/,
    );
  });

  it("q15-q17 as the suite writes them (a GROUP BY without a window) plan as updating aggregates; q17's BIGINT avg_price needs a CAST", () => {
    // Formerly refused at GROUP BY; they now compile to upsert aggregates (run against DuckDB in group-by.test.ts).
    const tables = readFileSync(new URL("../../../../examples/nexmark/tables.sql", import.meta.url), "utf8");
    for (const q of ["q15", "q16", "q17"]) {
      const text = readFileSync(new URL(`../../../../examples/nexmark/${q}.sql`, import.meta.url), "utf8");
      const issues = sqlIssues(`${tables}\n${text}`);
      if (q === "q17") expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/avg_price .*CAST/)]);
      else expect(issues).toEqual([]);
    }
  });
});
