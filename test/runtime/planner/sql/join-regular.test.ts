import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { manifestOf } from "../../../helpers/manifest-of.js";
import { runJob } from "../../../helpers/run-job.js";
import { generated, rowKey as key, sqlIssues, sqlManifest } from "./sql-fixtures.js";

const PERSONS = 5000;
const AUCTIONS = 15_000;
const BIDS = 60_000;

/** examples/nexmark/tables.sql with fewer events. */
const TABLES = readFileSync(new URL("../../../../examples/nexmark/tables.sql", import.meta.url), "utf8")
  .replace("'count' = '20000'", `'count' = '${PERSONS}'`)
  .replace("'count' = '60000'", `'count' = '${AUCTIONS}'`)
  .replace("'count' = '1000000'", `'count' = '${BIDS}'`);

/** A query of examples/nexmark, printing its rows instead of dropping them. */
const example = (q: string) =>
  readFileSync(new URL(`../../../../examples/nexmark/${q}.sql`, import.meta.url), "utf8").replace(
    "'blackhole'",
    "'print'",
  );

/** Bids joined to the auction they bid on, when the bid is at most 10 s after the auction opened. */
const INTERVAL_SQL = `CREATE TABLE results (auction BIGINT, price BIGINT, bid_time TIMESTAMP(3), seller BIGINT) WITH ('connector' = 'print');
INSERT INTO results
SELECT B.auction, B.price, B.\`dateTime\`, A.seller
FROM bid AS B JOIN auction AS A
  ON B.auction = A.id AND B.\`dateTime\` BETWEEN A.\`dateTime\` AND A.\`dateTime\` + INTERVAL '10' SECOND;`;

/** INTERVAL_SQL's YAML form (JSON is YAML). */
const intervalYaml = () =>
  manifestOf({
    sources: {
      bid: {
        generator: { kind: "nexmark-bid", seed: 1, count: BIDS },
        eventTime: { field: "dateTime", maxOutOfOrderness: "4s" },
      },
      auction: {
        generator: { kind: "nexmark-auction", seed: 1, count: AUCTIONS },
        eventTime: { field: "dateTime", maxOutOfOrderness: "4s" },
      },
    },
    pipeline: [
      {
        from: "bid",
        join: { with: "auction", leftKey: ["auction"], rightKey: ["id"], between: { lower: "0s", upper: "10s" } },
      },
      { select: ["auction", "price", "dateTime AS bid_time", "seller"] },
      { to: "results" },
    ],
    sinks: { results: { console: {} } },
  });

describe("SQL regular and interval joins match DuckDB on the same events", { timeout: 120_000 }, () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await DuckDbReference.open();
    await duck.load("persons", generated("nexmark-person", PERSONS));
    await duck.load("auctions", generated("nexmark-auction", AUCTIONS));
    await duck.load("bids", generated("nexmark-bid", BIDS));
  });
  afterAll(() => duck.close());

  it("q3 as the Nexmark suite writes it (a regular join of auctions and persons)", async () => {
    const sql = `${TABLES}${example("q3")}`;
    const steps = compileSql(sql).pipeline;
    const join = steps.find((s) => s.join)!;
    expect(join.join).toMatchObject({ leftKey: ["seller"], rightKey: ["id"] });
    // The WHERE parts that read one input filter it before the join, so the join keeps fewer rows.
    expect(steps.find((s) => s.as === join.from)).toMatchObject({ from: "auction", filter: '("category" = 10)' });
    expect(steps.find((s) => s.as === join.join!.with)).toMatchObject({
      from: "person",
      filter: `(( "state" = 'OR' OR "state" = 'ID' OR "state" = 'CA' ))`,
    });
    const { rows } = await runJob(sqlManifest(sql));
    const expected = await duck.query(`
      SELECT P.name, P.city, P.state, A.id FROM auctions A JOIN persons P ON A.seller = P.id
      WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(rows.nexmark_q3, expected)).toEqual({ only: [[], []] });
  });

  it("q20 as the Nexmark suite writes it (every bid with its auction, a regular join)", async () => {
    const { rows } = await runJob(sqlManifest(`${TABLES}${example("q20")}`));
    const expected = await duck.query(`
      SELECT B.auction, B.bidder, B.price, B.channel, B.url, epoch_ms(B."dateTime") AS bid_dateTime,
        B.extra AS bid_extra, A.itemName, A.description, A.initialBid, A.reserve,
        epoch_ms(A."dateTime") AS auction_dateTime, epoch_ms(A.expires) AS expires, A.seller, A.category,
        A.extra AS auction_extra
      FROM bids B JOIN auctions A ON B.auction = A.id WHERE A.category = 10`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(rows.nexmark_q20, expected)).toEqual({ only: [[], []] });
  });

  it("q7 as the suite writes it: bids against the window maximum, an interval join on window_end", async () => {
    const sql = `${TABLES}${example("q7")}`;
    // B.dateTime BETWEEN B1.dateTime - 10 s AND B1.dateTime, where B1.dateTime is window_end =
    // window_time + 1 ms, B1's event time: left time - right time in [-9999 ms, +1 ms].
    expect(compileSql(sql).pipeline.find((s) => s.join)?.join).toMatchObject({
      leftKey: ["price"],
      rightKey: ["maxprice"],
      between: { lower: "-9999ms", upper: "1ms" },
    });
    const { rows, summary } = await runJob(sqlManifest(sql));
    // The sink declares (auction, bidder, price, ...) and the query selects price before bidder:
    // an INSERT writes by position, so the bidder column holds the price, as in Flink.
    const expected = await duck.query(`
      SELECT B.auction, B.price AS bidder, B.bidder AS price, epoch_ms(B."dateTime") AS "dateTime", B.extra
      FROM bids B JOIN (
        SELECT max(price) AS maxprice, time_bucket(INTERVAL '10 seconds', "dateTime") + INTERVAL '10 seconds' AS wend
        FROM bids GROUP BY time_bucket(INTERVAL '10 seconds', "dateTime")) B1
      ON B.price = B1.maxprice
      WHERE B."dateTime" BETWEEN B1.wend - INTERVAL '10 seconds' AND B1.wend`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(rows.nexmark_q7, expected)).toEqual({ only: [[], []] });
    expect(summary.lateRecords).toBe(0);
  });

  it("a window over an interval join's output (whose event time is the left input's) equals DuckDB's counts", async () => {
    const sql = `${TABLES}CREATE VIEW j AS
SELECT A.id, A.\`dateTime\` FROM auction AS A JOIN bid AS B
  ON A.id = B.auction AND A.\`dateTime\` BETWEEN B.\`dateTime\` - INTERVAL '6' SECOND AND B.\`dateTime\`;
CREATE TABLE results (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO results SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(\`dateTime\`), INTERVAL '1' SECOND))
GROUP BY window_start, window_end;`;
    const { rows, summary } = await runJob(sqlManifest(sql));
    const expected = await duck.query(`
      SELECT epoch_ms(time_bucket(INTERVAL '1 second', A."dateTime")) AS window_start, count(*) AS n
      FROM auctions A JOIN bids B ON A.id = B.auction
        AND A."dateTime" BETWEEN B."dateTime" - INTERVAL '6 seconds' AND B."dateTime"
      GROUP BY 1`);
    expect(expected.length).toBeGreaterThan(1);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
    expect(summary.lateRecords).toBe(0);
  });

  it("an interval join in SQL and in YAML gives identical rows, equal to DuckDB's", async () => {
    const sql = `${TABLES}${INTERVAL_SQL}`;
    expect(compileSql(sql).pipeline[0].join).toMatchObject({ between: { lower: "0ms", upper: "10000ms" } });
    const a = (await runJob(sqlManifest(sql))).rows.results;
    const b = (await runJob(intervalYaml())).rows.results;
    const expected = await duck.query(`
      SELECT B.auction, B.price, epoch_ms(B."dateTime") AS bid_time, A.seller FROM bids B JOIN auctions A
      ON B.auction = A.id AND B."dateTime" BETWEEN A."dateTime" AND A."dateTime" + INTERVAL '10 seconds'`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(a, expected)).toEqual({ only: [[], []] });
    expect(b.map(key).sort()).toEqual(a.map(key).sort());
  });
});

describe("SQL regular and interval join forms and refusals", () => {
  const q = (select: string) =>
    `${TABLES}CREATE TABLE results (id BIGINT) WITH ('connector' = 'print');\nINSERT INTO results ${select};`;
  const line = TABLES.split("\n").length + 1;
  const join = (sql: string) => compileSql(q(sql)).pipeline.find((s) => s.join)!.join!;

  it("reads strict, reversed and split bounds, in ON or WHERE, as the same inclusive interval", () => {
    const base = "SELECT B.auction FROM bid B JOIN auction A ON B.auction = A.id";
    const t = "`dateTime`";
    expect(
      join(`${base} AND B.${t} > A.${t} - INTERVAL '1' SECOND AND B.${t} < A.${t} + INTERVAL '2' SECOND`),
    ).toMatchObject({
      between: { lower: "-999ms", upper: "1999ms" },
    });
    expect(join(`${base} AND A.${t} <= B.${t} AND A.${t} + INTERVAL '1' MINUTE >= B.${t}`)).toMatchObject({
      between: { lower: "0ms", upper: "60000ms" },
    });
    expect(join(`${base} WHERE B.${t} BETWEEN A.${t} AND A.${t} + INTERVAL '5' SECOND AND B.price > 10`)).toMatchObject(
      {
        between: { lower: "0ms", upper: "5000ms" },
      },
    );
    // A one-sided bound in WHERE is only a filter: the join stays regular.
    expect(join(`${base} WHERE B.${t} >= A.${t}`).between).toBeUndefined();
  });

  it("refuses outer joins, changelog inputs and bounds an interval join cannot hold, at line:col", () => {
    const t = "`dateTime`";
    const outer = sqlIssues(q("SELECT B.auction FROM bid B LEFT JOIN auction A ON B.auction = A.id"));
    expect(outer[0].path).toMatch(new RegExp(`^spec\\.sql:${line}:\\d+$`));
    expect(outer[0].message).toMatch(/LEFT JOIN: only inner regular and interval joins.*needs changelog\/retractions/);
    const oneSided = sqlIssues(
      q(`SELECT B.auction FROM bid B JOIN auction A ON B.auction = A.id AND B.${t} >= A.${t}`),
    );
    expect(oneSided[0].message).toMatch(/an interval join bounds B's event time from below and above/);
    const notTime = sqlIssues(
      q("SELECT B.auction FROM bid B JOIN auction A ON B.auction = A.id AND B.price < A.reserve"),
    );
    expect(notTime[0].path).toMatch(new RegExp(`^spec\\.sql:${line}:\\d+$`));
    expect(notTime[0].message).toMatch(/an interval join bounds the two inputs' event times/);
    const empty = sqlIssues(
      q(
        `SELECT B.auction FROM bid B JOIN auction A ON B.auction = A.id AND B.${t} BETWEEN A.${t} + INTERVAL '2' SECOND AND A.${t}`,
      ),
    );
    expect(empty[0].message).toMatch(/time bounds leave no interval/);
    const cross = sqlIssues(
      q(`SELECT B.auction FROM bid B JOIN auction A ON B.${t} BETWEEN A.${t} AND A.${t} + INTERVAL '1' SECOND`),
    );
    expect(cross[0].message).toMatch(/a join needs an equality of a column of each input/);
  });

  it("refuses a regular join of an upsert-kafka table (a changelog) with the lookup form", () => {
    const sql = `CREATE TABLE rates (currency VARCHAR, rate DOUBLE, PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', 'properties.bootstrap.servers' = '127.0.0.1:9092', 'value.format' = 'json');
CREATE TABLE orders (id BIGINT, currency VARCHAR, \`dateTime\` TIMESTAMP(3), WATERMARK FOR \`dateTime\` AS \`dateTime\`)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '127.0.0.1:9092', 'format' = 'json');
CREATE TABLE results (id BIGINT) WITH ('connector' = 'print');
INSERT INTO results SELECT o.id FROM orders o JOIN rates r ON o.currency = r.currency;`;
    const issues = sqlIssues(sql);
    expect(issues[0].path).toMatch(/^spec\.sql:6:\d+$/);
    expect(issues[0].message).toMatch(
      /r is an upsert-kafka table \(a changelog\).*needs changelog\/retractions.*FOR SYSTEM_TIME AS OF/,
    );
  });

  it("keeps q4 and q9 refused: an updating aggregate and a Top-N without a window over the join", () => {
    const plan = (name: string) => sqlIssues(`${TABLES}${example(name)}`);
    const q4 = plan("q4");
    expect(q4).toHaveLength(1);
    expect(q4[0].path).toMatch(/^spec\.sql:\d+:\d+$/);
    expect(q4[0].message).toMatch(/FROM a, b: a join is written JOIN ... ON/);
    const q9 = plan("q9");
    expect(q9).toHaveLength(1);
    expect(q9[0].path).toMatch(/^spec\.sql:\d+:\d+$/);
  });
});
