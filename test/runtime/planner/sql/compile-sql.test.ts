import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../../runtime/contract/spec/errors.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { planManifest } from "../../../../runtime/planner/validate.js";
import { runJob } from "../../../helpers/run-job.js";

const BID = `CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, \`dateTime\` TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'seed' = '7', 'count' = '20000');
`;
const OUT = (cols: string) => `CREATE TABLE results (${cols}) WITH ('connector' = 'print');\n`;

/** The SpecIssues of planning a SQL job (empty when it plans). */
function sqlIssues(sql: string): { path: string; message: string }[] {
  try {
    planManifest({ name: "t", spec: { sql } });
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  return [];
}

function sqlManifest(sql: string) {
  const indented = sql.replace(/^/gm, "    ");
  return parseManifest(
    `apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: t}\nspec:\n  sql: |\n${indented}`,
  );
}

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
      expect(c.pipeline[1]).toMatchObject({ window, aggregate: ["count(*) AS `n`", "count(*) AS `EXPR$agg1`"] });
      expect(c.pipeline[2].filter).toBe('"EXPR$agg1" > 1');
      expect(c.pipeline[3].select).toEqual(['"auction" AS "auction"', '"n" AS "n"', '"window_start" AS "ws"']);
    }
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

describe("SQL refusals carry line and column", () => {
  const insert = `${BID}${OUT("auction BIGINT")}`;
  const line = BID.split("\n").length + 1; // the INSERT's line

  it("a syntax error", () => {
    expect(sqlIssues(`${insert}INSERT INTO results SELEC auction FROM bid;`)[0].path).toBe(`spec.sql:${line}:21`);
  });

  it("joins, Top-N and lookup joins name the missing feature", () => {
    const cases = {
      "SELECT b.auction FROM bid b JOIN bid c ON b.auction = c.auction": /joins are not supported yet/,
      "SELECT auction FROM (SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS r FROM bid) WHERE r <= 1":
        /OVER windows .* not supported yet/,
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
});

describe("the Nexmark examples", () => {
  it("q0, q1, q2, q14, q21 and q22 compile; the others are refused with a reason", () => {
    const compiled: string[] = [];
    for (let q = 0; q <= 22; q++) {
      const sql = readFileSync(new URL(`../../../../examples/nexmark/q${q}.sql`, import.meta.url), "utf8");
      try {
        compileSql(sql);
        compiled.push(`q${q}`);
      } catch (err) {
        expect((err as Error).message).toMatch(/^\d+:\d+: /m);
      }
    }
    expect(compiled).toEqual(["q0", "q1", "q2", "q14", "q21", "q22"]);
  });
});

describe("YAML and SQL forms of one job", () => {
  it("give identical output (the quickstart's shape: filter, keyed tumbling window, aggregates, HAVING)", async () => {
    const yaml = parseManifest(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: {name: t}
spec:
  sources:
    bid:
      generator: {kind: nexmark-bid, seed: 7, count: 20000}
      eventTime: {field: dateTime, maxOutOfOrderness: 1s}
  pipeline:
    - from: bid
      filter: "price > 1000"
    - keyBy: [auction]
    - window: {type: tumbling, size: 10s}
      aggregate: ["count(*) AS bids", "max(price) AS top_price", "avg(price) AS avg_price"]
    - filter: "bids >= 2"
    - to: results
  sinks:
    results: {console: {}}
`);
    const sql =
      sqlManifest(`${BID}CREATE TABLE results (auction BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), bids BIGINT, top_price BIGINT, avg_price DOUBLE) WITH ('connector' = 'print');
INSERT INTO results
SELECT auction, window_start, window_end, COUNT(*) AS bids, MAX(price) AS top_price, AVG(price) AS avg_price
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
WHERE price > 1000
GROUP BY auction, window_start, window_end
HAVING COUNT(*) >= 2;`);
    const a = (await runJob(yaml)).rows.results;
    const b = (await runJob(sql)).rows.results;
    const key = (r: Record<string, unknown>) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(a.length).toBeGreaterThan(0);
    expect(b.map(key).sort()).toEqual(a.map(key).sort());
  });
});
