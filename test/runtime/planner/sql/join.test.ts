import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { manifestOf } from "../../../helpers/manifest-of.js";
import { runJob } from "../../../helpers/run-job.js";
import { generated, rowKey as key, sqlIssues, sqlManifest } from "./sql-fixtures.js";

const PERSONS = 5000;
const AUCTIONS = 15_000;
const TEN_S = "INTERVAL '10 seconds'";

/** examples/nexmark/tables.sql with fewer events: enough for a few 10 s windows. */
const TABLES = readFileSync(new URL("../../../../examples/nexmark/tables.sql", import.meta.url), "utf8")
  .replace(
    "'kind' = 'person',\n  'seed' = '1',\n  'count' = '20000'",
    `'kind' = 'person', 'seed' = '1', 'count' = '${PERSONS}'`,
  )
  .replace(
    "'kind' = 'auction',\n  'seed' = '1',\n  'count' = '60000'",
    `'kind' = 'auction', 'seed' = '1', 'count' = '${AUCTIONS}'`,
  );

const example = (name: string) =>
  readFileSync(new URL(`../../../../examples/nexmark/${name}`, import.meta.url), "utf8");

/** Flink's window join form: both inputs as window TVF rows, joined on a key and the window bounds. */
const TVF_JOIN = `CREATE TABLE results (id BIGINT, name VARCHAR, window_start TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO results
SELECT P.id, P.name, P.window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))) P
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))) A
ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end;`;

/** The YAML form of TVF_JOIN with this join window (JSON is YAML). */
const yamlJoin = (window: object) =>
  manifestOf({
    sources: Object.fromEntries(
      [
        ["person", PERSONS],
        ["auction", AUCTIONS],
      ].map(([kind, count]) => [
        kind,
        {
          generator: { kind: `nexmark-${kind}`, seed: 1, count },
          eventTime: { field: "dateTime", maxOutOfOrderness: "4s" },
        },
      ]),
    ),
    pipeline: [
      { from: "person", join: { with: "auction", leftKey: ["id"], rightKey: ["seller"], window } },
      { select: ["id", "name", "window_start"] },
      { to: "results" },
    ],
    sinks: { results: { console: {} } },
  });

describe("SQL window joins match DuckDB on the same events", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await DuckDbReference.open();
    await duck.load("persons", generated("nexmark-person", PERSONS));
    await duck.load("auctions", generated("nexmark-auction", AUCTIONS));
  });
  afterAll(() => duck.close());

  it("q8 as the Nexmark suite writes it (a join of two window aggregates on their bounds)", async () => {
    const { rows } = await runJob(sqlManifest(`${TABLES}${example("q8.sql").replace("'blackhole'", "'print'")}`));
    const expected = await duck.query(`
      SELECT p.id, p.name, epoch_ms(p.w) AS stime
      FROM (SELECT DISTINCT id, name, time_bucket(${TEN_S}, "dateTime") AS w FROM persons) p
      JOIN (SELECT DISTINCT seller, time_bucket(${TEN_S}, "dateTime") AS w FROM auctions) a
        ON p.id = a.seller AND p.w = a.w`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(rows.nexmark_q8, expected)).toEqual({ only: [[], []] });
    expect(rows.nexmark_q8.length).toBe(expected.length);
  });

  it("a window join of window TVF rows (one output row per matching pair)", async () => {
    const { rows } = await runJob(sqlManifest(`${TABLES}${TVF_JOIN}`));
    const expected = await duck.query(`
      SELECT p.id, p.name, epoch_ms(time_bucket(${TEN_S}, p."dateTime")) AS window_start
      FROM persons p JOIN auctions a
        ON p.id = a.seller AND time_bucket(${TEN_S}, p."dateTime") = time_bucket(${TEN_S}, a."dateTime")`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("the YAML join and the SQL window join give identical output, tumbling and sliding", async () => {
    const hop = TVF_JOIN.replaceAll("TUMBLE(", "HOP(").replaceAll(
      "INTERVAL '10' SECOND))",
      "INTERVAL '5' SECOND, INTERVAL '10' SECOND))",
    );
    const cases = [
      { sql: TVF_JOIN, window: { type: "tumbling", size: "10s" } },
      { sql: hop, window: { type: "sliding", size: "10s", slide: "5s" } },
    ];
    for (const { sql, window } of cases) {
      const a = (await runJob(yamlJoin(window))).rows.results;
      const b = (await runJob(sqlManifest(`${TABLES}${sql}`))).rows.results;
      expect(a.length).toBeGreaterThan(0);
      expect(b.map(key).sort()).toEqual(a.map(key).sort());
    }
  });

  it("a window over a window join's output counts all its rows per window, not per join key", async () => {
    const view = TVF_JOIN.replace(/^CREATE TABLE results[^\n]*\nINSERT INTO results\n/, "CREATE VIEW j AS\n").replace(
      "SELECT P.id, P.name, P.window_start",
      "SELECT P.id, P.window_start AS ws, P.window_end AS we",
    );
    const counts = `${TABLES}${view}
CREATE TABLE results (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO results SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(we), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;`;
    const pairs = (await runJob(sqlManifest(`${TABLES}${TVF_JOIN}`))).rows.results;
    // A pair of the join window [s, s + 10 s) has event time s + 10 s, so the next window counts it.
    const expected = new Map<number, number>();
    for (const p of pairs)
      expected.set(Number(p.window_start) + 10_000, (expected.get(Number(p.window_start) + 10_000) ?? 0) + 1);
    const rows = (await runJob(sqlManifest(counts))).rows.results;
    expect(rows.length).toBeGreaterThan(1);
    expect(new Map(rows.map((r) => [Number(r.window_start), Number(r.n)]))).toEqual(expected);
  });

  it("q8 with the window bounds not renamed gives q8's rows (the join renames them before it)", async () => {
    const q8 = `${TABLES}${example("q8.sql").replace("'blackhole'", "'print'")}`;
    const plain = q8
      .replaceAll("window_start AS starttime", "window_start")
      .replaceAll("window_end AS endtime", "window_end")
      .replace("P.id, P.name, P.starttime", "P.id, P.name, P.window_start")
      .replace(
        "P.starttime = A.starttime AND P.endtime = A.endtime",
        "P.window_start = A.window_start AND P.window_end = A.window_end",
      );
    expect(plain).not.toMatch(/starttime/);
    const a = (await runJob(sqlManifest(q8))).rows.nexmark_q8;
    const b = (await runJob(sqlManifest(plain))).rows.nexmark_q8;
    expect(a.length).toBeGreaterThan(0);
    expect(b.map(key).sort()).toEqual(a.map(key).sort());
  });
});

const RATES = `CREATE TABLE rates (
  currency VARCHAR, rate DOUBLE, \`dateTime\` TIMESTAMP(3),
  PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', 'properties.bootstrap.servers' = '127.0.0.1:9092', 'value.format' = 'json');
CREATE TABLE orders (
  id BIGINT, currency VARCHAR, amount DOUBLE, \`dateTime\` TIMESTAMP(3),
  WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '127.0.0.1:9092', 'format' = 'json');
`;

describe("SQL lookup joins", () => {
  it("compile FOR SYSTEM_TIME AS OF onto the lookup join, keyed by the table's PRIMARY KEY", () => {
    const sql = `${RATES}CREATE TABLE results (id BIGINT, currency VARCHAR, converted DOUBLE, rate_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO results
SELECT o.id, r.currency, o.amount * r.rate, r.\`dateTime\`
FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.\`dateTime\` AS r ON o.currency = r.currency;`;
    expect(sqlIssues(sql.replace("r.currency, o.amount", "o.currency, o.amount"))).toEqual([]);
    const steps = compileSql(sql.replace("r.currency, o.amount", "o.currency, o.amount")).pipeline;
    expect(steps[0]).toMatchObject({ from: "orders", lookupJoin: { table: "rates", key: ["currency"], type: "left" } });
    // The right dateTime clashes with the stream's: the engine calls it rates_dateTime.
    expect(steps[1].select).toContain('"rates_dateTime" AS "r_dateTime"');
    // A left join's key column is null without a match, which the engine does not give: refused.
    expect(sqlIssues(sql)[0].message).toMatch(/unknown column r\.currency/);
    const inner = sql.replace("LEFT JOIN", "JOIN");
    expect(sqlIssues(inner)).toEqual([]);
    expect(compileSql(inner).pipeline[0]).toMatchObject({ lookupJoin: { type: "inner" } });
  });

  it("refuse a table that is not upsert-kafka, and a condition off the PRIMARY KEY", () => {
    const q = (from: string) =>
      `${RATES}CREATE TABLE results (id BIGINT) WITH ('connector' = 'print');\nINSERT INTO results SELECT o.id FROM ${from};`;
    const line = RATES.split("\n").length + 1;
    const notTable = sqlIssues(q("orders AS o JOIN orders FOR SYSTEM_TIME AS OF o.`dateTime` AS x ON o.id = x.id"));
    expect(notTable[0].path).toMatch(new RegExp(`^spec\\.sql:${line}:\\d+$`));
    expect(notTable[0].message).toMatch(/orders is not a table a lookup join can read.*upsert-kafka/);
    expect(
      sqlIssues(q("orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.`dateTime` AS r ON o.amount = r.rate"))[0].message,
    ).toMatch(/r\.rate is not in the PRIMARY KEY of rates/);
  });
});

describe("SQL join refusals carry line and column and say what to write", () => {
  const out = "CREATE TABLE results (id BIGINT) WITH ('connector' = 'print');\n";
  const line = (TABLES + out).split("\n").length;
  const issue = (query: string) => sqlIssues(`${TABLES}${out}INSERT INTO results ${query};`)[0];
  const tvf = (t: string, a: string) =>
    `(SELECT * FROM TABLE(TUMBLE(TABLE ${t}, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))) ${a}`;

  it("a comma join, with the JOIN ... ON form to write (regular and interval joins compile: join-regular.test.ts)", () => {
    expect(issue("SELECT P.id FROM person P, auction A WHERE P.id = A.seller").message).toMatch(
      /JOIN \.\.\. ON.*interval join/,
    );
  });

  it("a window join without the window bounds, with another window, an outer window join, an ambiguous column", () => {
    const noBounds = issue(`SELECT P.id FROM ${tvf("person", "P")} JOIN ${tvf("auction", "A")} ON P.id = A.seller`);
    expect(noBounds.message).toMatch(/equates both inputs' window_start .*P\.window_start = A\.window_start/);
    const other = issue(
      `SELECT P.id FROM ${tvf("person", "P")} JOIN ${tvf("auction", "A").replace("'10'", "'5'")} ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end`,
    );
    expect(other.message).toMatch(/same window table function/);
    const outer = issue(
      `SELECT P.id FROM ${tvf("person", "P")} LEFT JOIN ${tvf("auction", "A")} ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end`,
    );
    expect(outer.message).toMatch(/LEFT JOIN: only inner window joins/);
    const crossed = issue(
      `SELECT P.id FROM ${tvf("person", "P")} JOIN ${tvf("auction", "A")} ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end AND P.window_start = A.\`dateTime\``,
    );
    expect(crossed.message).toMatch(/compares window_start with window_start/);
    const ambiguous = issue(
      `SELECT id FROM ${tvf("person", "P")} JOIN ${tvf("auction", "A")} ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end`,
    );
    expect(ambiguous.path).toBe(`spec.sql:${line}:28`);
    expect(ambiguous.message).toMatch(/column id is ambiguous.*qualify it: P\.id or A\.id/);
  });
});
