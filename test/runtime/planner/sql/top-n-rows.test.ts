import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Row } from "../../../helpers/collecting-sink.js";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, sqlManifest } from "./sql-fixtures.js";

/** A Nexmark suite query as examples/nexmark writes it, over BID's seeded events, printed. */
const example = (q: string) =>
  `${BID}${readFileSync(new URL(`../../../../examples/nexmark/${q}.sql`, import.meta.url), "utf8").replace("'blackhole'", "'print'")}`;

/** An upsert stream's table: the last row per upsert key. */
function finalTable(rows: Row[], key: string[]): Row[] {
  const last = new Map<string, Row>();
  for (const r of rows) last.set(JSON.stringify(key.map((k) => String(r[k]))), r);
  return [...last.values()];
}

const COLUMNS = `auction, bidder, price, channel, url, epoch_ms("dateTime") AS "dateTime", extra`;

// Ties keep arrival order (the first row of equal order wins), as DuckDB's row order by rowid (load order) does.
describe("Top-N over a table's rows (an upsert stream)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("Nexmark q18 (the last bid per bidder and auction) as the suite writes it: the final table equals DuckDB's", async () => {
    const { rows } = await runJob(sqlManifest(example("q18")));
    const expected = await duck.query(`SELECT ${COLUMNS} FROM (SELECT *,
      row_number() OVER (PARTITION BY bidder, auction ORDER BY "dateTime" DESC, rowid) AS rn FROM bids) WHERE rn <= 1`);
    expect(expected.length).toBeGreaterThan(100);
    expect(rowDifference(finalTable(rows.nexmark_q18, ["bidder", "auction"]), expected)).toEqual({ only: [[], []] });
  });

  it("Nexmark q19 (the 10 highest bids per auction) as the suite writes it: the final table equals DuckDB's", async () => {
    const { rows } = await runJob(sqlManifest(example("q19")));
    const expected = await duck.query(`SELECT ${COLUMNS}, rank_number FROM (SELECT *,
      row_number() OVER (PARTITION BY auction ORDER BY price DESC, rowid) AS rank_number FROM bids) WHERE rank_number <= 10`);
    expect(expected.length).toBeGreaterThan(100);
    expect(rowDifference(finalTable(rows.nexmark_q19, ["auction", "rank_number"]), expected)).toEqual({
      only: [[], []],
    });
  });
});
