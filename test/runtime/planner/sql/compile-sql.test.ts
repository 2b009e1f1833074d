import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, RESULTS as OUT, sqlIssues, sqlManifest } from "./sql-fixtures.js";

describe("compileSql", () => {
  it("compiles CREATE TABLE onto a generator source with its watermark", () => {
    const c = compileSql(
      `${BID}${OUT("auction BIGINT, price BIGINT")}INSERT INTO results SELECT auction, price FROM bid;`,
    );
    expect(c.sources.bid).toEqual({
      generator: { kind: "nexmark-bid", seed: 7, count: 20000 },
      eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
    });
    expect(c.sinks.results).toEqual({ console: {} });
    expect(c.pipeline.at(-1)).toEqual({ from: c.pipeline[0].as, to: "results" });
  });

  it("compiles WHERE, CASE, CAST and INTERVAL arithmetic into filter and select steps", () => {
    const c = compileSql(
      `${BID}${OUT("a BIGINT, kind VARCHAR, t TIMESTAMP(3)")}INSERT INTO results SELECT B.auction, CASE WHEN price >= 100 THEN 'big' ELSE 'small' END, \`dateTime\` - INTERVAL '10' SECOND FROM bid AS B WHERE MOD(auction, 123) = 0;`,
    );
    expect(c.pipeline[0].filter).toBe('MOD ( "auction" , 123 ) = 0');
    expect(c.pipeline[1].select).toEqual([
      '"auction" AS "a"',
      `CASE WHEN "price" >= 100 THEN 'big' ELSE 'small' END AS "kind"`,
      '"dateTime" - 10000 AS "t"',
    ]);
  });

  it("compiles GROUP BY over TUMBLE and HOP into keyBy and window steps", () => {
    const tvfs = {
      "TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND)": { type: "tumbling", size: "10s" },
      "HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND)": {
        type: "sliding",
        slide: "2s",
        size: "10s",
      },
    };
    for (const [tvf, window] of Object.entries(tvfs)) {
      const c = compileSql(
        `${BID}${OUT("auction BIGINT, n BIGINT, ws TIMESTAMP(3)")}INSERT INTO results SELECT auction, COUNT(*) AS n, window_start FROM TABLE(${tvf}) GROUP BY auction, window_start, window_end HAVING COUNT(*) > 1;`,
      );
      expect(c.pipeline[0]).toMatchObject({ from: "bid", keyBy: ["auction"] });
      expect(c.pipeline[1]).toMatchObject({ window, aggregate: ["count(*) AS `n`"] });
      expect(c.pipeline[2].filter).toBe('"n" > 1');
      expect(c.pipeline[3].select).toEqual(['"auction" AS "auction"', '"n" AS "n"', '"window_start" AS "ws"']);
    }
  });

  it("window_time is window_end minus a millisecond, as in Flink", () => {
    const c = compileSql(
      `${BID}${OUT("n BIGINT, t TIMESTAMP(3)")}INSERT INTO results SELECT COUNT(*), window_time FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;`,
    );
    expect(c.pipeline[0]).toMatchObject({ from: "bid", window: { type: "tumbling", size: "10s" }, windowTime: true });
    expect(c.pipeline[1].select).toEqual(['"EXPR$agg0" AS "n"', '"window_time" AS "t"']);
  });

  it("aggregates of expressions aggregate a column computed before the window", async () => {
    const sql = `${BID}${OUT("a BIGINT, doubled BIGINT, total BIGINT")}INSERT INTO results SELECT auction, SUM(price * 2), SUM(price) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY auction, window_start, window_end;`;
    const c = compileSql(sql);
    expect(c.pipeline[0].select?.at(-1)).toBe('"price" * 2 AS "EXPR$arg0"');
    const rows = (await runJob(sqlManifest(sql))).rows.results;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(Number(r.doubled)).toBe(2 * Number(r.total));
  });

  it("views and several INSERTs make one job with several sinks", () => {
    const c = compileSql(
      `${BID}${OUT("auction BIGINT")}CREATE TABLE out2 (price BIGINT) WITH ('connector' = 'blackhole');
CREATE VIEW big AS SELECT auction, price FROM bid WHERE price > 100;
INSERT INTO results SELECT auction FROM big;
INSERT INTO out2 SELECT price FROM big;`,
    );
    expect(Object.keys(c.sinks)).toEqual(["results", "out2"]);
    expect(c.pipeline.filter((s) => s.filter !== undefined)).toHaveLength(1);
  });
});

describe("the Nexmark examples", () => {
  it("q0, q1, q2, q3, q7, q8, q10, q11, q12, q14, q15, q16, q18, q19, q20, q21 and q22 plan; every other query is refused at a line and column", () => {
    const planned: string[] = [];
    for (let q = 0; q <= 22; q++) {
      const sql = [`tables`, `q${q}`]
        .map((f) => readFileSync(new URL(`../../../../examples/nexmark/${f}.sql`, import.meta.url), "utf8"))
        .join("\n");
      const issues = sqlIssues(sql);
      if (issues.length === 0) planned.push(`q${q}`);
      for (const issue of issues) expect(issue.path).toMatch(/^spec\.sql:\d+:\d+$/);
    }
    expect(planned).toEqual([
      "q0",
      "q1",
      "q2",
      "q3",
      "q7",
      "q8",
      "q10",
      "q11",
      "q12",
      "q14",
      "q15",
      "q16",
      "q18",
      "q19",
      "q20",
      "q21",
      "q22",
    ]);
  });
});
