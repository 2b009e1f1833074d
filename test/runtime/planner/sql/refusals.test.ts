import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { BID, RESULTS as OUT, sqlIssues } from "./sql-fixtures.js";

describe("SQL refusals carry line and column", () => {
  const insert = `${BID}${OUT("auction BIGINT")}`;
  const line = BID.split("\n").length + 1; // the INSERT's line

  it("a syntax error", () => {
    expect(sqlIssues(`${insert}INSERT INTO results SELEC auction FROM bid;`)[0].path).toBe(`spec.sql:${line}:21`);
  });

  it("joins, Top-N and lookup joins name the missing feature", () => {
    const cases = {
      "SELECT b.auction FROM bid b LEFT JOIN bid c ON b.auction = c.auction":
        /LEFT JOIN: only inner regular and interval joins .*needs changelog\/retractions/,
      "SELECT auction FROM (SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS r FROM bid) WHERE r <= 3":
        /must keep its upsert key columns as they are; missing r/,
      "SELECT auction FROM bid GROUP BY auction": /updating aggregate/,
    };
    for (const [query, message] of Object.entries(cases)) {
      const [issue] = sqlIssues(`${insert}INSERT INTO results ${query};`);
      expect(issue.path).toMatch(new RegExp(`^spec\\.sql:${line}:\\d+$`));
      expect(issue.message).toMatch(message);
    }
  });

  it("an unknown column, at the column", () => {
    expect(sqlIssues(`${insert}INSERT INTO results SELECT auctoin FROM bid;`)).toEqual([
      {
        path: `spec.sql:${line}:28`,
        message: "unknown column auctoin (columns: auction, bidder, price, channel, url, dateTime, extra)",
      },
    ]);
  });

  it("a type error, found by the planner, at its clause", () => {
    const [issue] = sqlIssues(`${insert}INSERT INTO results SELECT auction FROM bid WHERE channel + 1 > 2;`);
    expect(issue.path).toBe(`spec.sql:${line}:51`);
  });

  it("an event-time window over a table without a watermark", () => {
    const noWatermark = BID.replace(/,\n\s*WATERMARK FOR[^\n]*/, "");
    const [issue] = sqlIssues(
      `${noWatermark}${OUT("n BIGINT")}INSERT INTO results SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;`,
    );
    expect(issue.message).toMatch(/bid has no watermark.*declare WATERMARK FOR dateTime/);
  });

  it("a spec with both sql and a pipeline", () => {
    expect(() =>
      parseManifest(
        "apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: t}\nspec:\n  sql: x\n  sources: {}\n",
      ),
    ).toThrow(/give either sql or sources, pipeline and sinks, not both/);
  });

  it("a query writing another type than its table declares, with the CAST to write", () => {
    const [issue] = sqlIssues(`${BID}${OUT("p INT")}INSERT INTO results SELECT price FROM bid;`);
    expect(issue.path).toBe(`spec.sql:${line - 1}:23`);
    expect(issue.message).toBe("column p of results is INT, the query writes Int64 (CAST the 1st select item AS INT)");
  });

  it("a query with another number of columns than its table", () => {
    const [issue] = sqlIssues(`${insert}INSERT INTO results SELECT auction, price FROM bid;`);
    expect(issue.message).toMatch(/the query produces 2 columns, the table has 1 .*auction/);
  });

  it("tables: an unknown table, an unsupported option, a DECIMAL source column, an unknown generator column", () => {
    expect(sqlIssues(`${insert}INSERT INTO results SELECT auction FROM bids;`)[0].message).toMatch(
      /unknown table or view bids/,
    );
    const option = BID.replace("'count' = '20000'", "'count' = '20000', 'rows-per-secnd' = '5'");
    expect(sqlIssues(`${option}${OUT("a BIGINT")}INSERT INTO results SELECT auction FROM bid;`)[0].message).toMatch(
      /option 'rows-per-secnd' is not supported by the 'datagen-nexmark' connector/,
    );
    const decimal = BID.replace("price BIGINT", "price DECIMAL(10, 2)");
    expect(sqlIssues(`${decimal}${OUT("a BIGINT")}INSERT INTO results SELECT auction FROM bid;`)[0].message).toMatch(
      /DECIMAL columns are not supported in a source \(declare it DOUBLE\)/,
    );
    const unknown = BID.replace("extra VARCHAR", "extras VARCHAR");
    expect(sqlIssues(`${unknown}${OUT("a BIGINT")}INSERT INTO results SELECT auction FROM bid;`)[0].message).toMatch(
      /the nexmark-bid generator has no column extras/,
    );
  });

  it("a filesystem table read as a source (q13's side table) names the missing source", () => {
    const side =
      "CREATE TABLE side (k BIGINT, v VARCHAR) WITH ('connector' = 'filesystem', 'path' = '/tmp/s', 'format' = 'csv');\n";
    expect(sqlIssues(`${insert}${side}INSERT INTO results SELECT k FROM side;`)[0].message).toMatch(
      /'filesystem' is written as a sink only: Sabot has no filesystem source yet/,
    );
  });

  it("a window over window output that dropped window_time, and a DESCRIPTOR that is not the watermark column", () => {
    const tumble = (t: string, ts: string) => `TABLE(TUMBLE(TABLE ${t}, DESCRIPTOR(${ts}), INTERVAL '10' SECOND))`;
    const view = `CREATE VIEW w AS SELECT auction, COUNT(*) AS n, window_start, window_end FROM ${tumble("bid", "`dateTime`")} GROUP BY auction, window_start, window_end;\n`;
    expect(
      sqlIssues(
        `${BID}${view}${OUT("n BIGINT")}INSERT INTO results SELECT SUM(n) FROM ${tumble("w", "window_time")} GROUP BY window_start, window_end;`,
      )[0].message,
    ).toMatch(/w has no watermark, .*for a view over a window, select its window_time/);
    expect(
      sqlIssues(
        `${insert}INSERT INTO results SELECT COUNT(*) FROM ${tumble("bid", "price")} GROUP BY window_start, window_end;`,
      )[0].message,
    ).toMatch(/DESCRIPTOR\(price\): the event time of bid is dateTime/);
  });

  it("clauses that would change the answer are refused, never ignored", () => {
    const cases = {
      "SELECT DISTINCT auction FROM bid": /SELECT DISTINCT is not supported yet/,
      "SELECT auction FROM bid HAVING auction > 1": /HAVING needs a GROUP BY over a window/,
      "SELECT a FROM bid AS b (a)": /renaming columns in an alias/,
      "SELECT auction FROM bid /*+ OPTIONS('scan.startup.mode'='latest-offset') */": /SQL hints .* are not supported/,
      "SELECT auction FROM bid ORDER BY auction": /ORDER: only SELECT/,
      "SELECT auction FROM bid UNION ALL SELECT auction FROM bid": /only SELECT/,
    };
    for (const [query, message] of Object.entries(cases)) {
      const [issue] = sqlIssues(`${insert}INSERT INTO results ${query};`);
      expect(issue.path).toMatch(new RegExp(`^spec\\.sql:${line}:\\d+$`));
      expect(issue.message).toMatch(message);
    }
    expect(sqlIssues(`${insert}INSERT OVERWRITE results SELECT auction FROM bid;`)[0].message).toMatch(
      /INSERT OVERWRITE is not supported/,
    );
  });
});
