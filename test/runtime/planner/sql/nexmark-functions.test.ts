import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { BID, bidsReference, sqlManifest } from "./sql-fixtures.js";

/**
 * Nexmark q14, q21 and q22 as examples/nexmark writes them (HOUR, COUNT_CHAR, REGEXP_EXTRACT, SPLIT_INDEX), run on BID's
 * seeded events into a print table instead of blackhole, against DuckDB's regexp_extract and
 * split_part (1-based where SPLIT_INDEX counts from 0).
 */
function example(q: string): string {
  const text = readFileSync(new URL(`../../../../examples/nexmark/${q}.sql`, import.meta.url), "utf8");
  return text
    .replace(/'connector' = 'blackhole'/, "'connector' = 'print'")
    .replace(new RegExp(`nexmark_${q}`, "g"), "results");
}

describe("Nexmark queries with string functions equal DuckDB's answer", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("q14: prices in euros in a range, time of day and a character count", async () => {
    const { rows } = await runJob(sqlManifest(`${BID}${example("q14")}`));
    // 0.908 as a DOUBLE, as the engine multiplies (DuckDB would multiply exact decimals).
    const euros = "0.908::DOUBLE * price";
    const hour = 'hour("dateTime")';
    const expected = await duck.query(`SELECT auction, bidder, ${euros} AS price,
      CASE WHEN ${hour} >= 8 AND ${hour} <= 18 THEN 'dayTime'
           WHEN ${hour} <= 6 OR ${hour} >= 20 THEN 'nightTime' ELSE 'otherTime' END AS bidTimeType,
      "dateTime", extra, CAST(length(extra) - length(replace(extra, 'c', '')) AS BIGINT) AS c_counts
      FROM bids WHERE ${euros} > 1000000 AND ${euros} < 50000000`);
    expect(expected.length).toBeGreaterThan(1000);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("q21: channel ids from the url", async () => {
    const { rows } = await runJob(sqlManifest(`${BID}${example("q21")}`));
    const id = `nullif(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '')`;
    const expected = await duck.query(`SELECT auction, bidder, price, channel,
      CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
           WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3' ELSE ${id} END AS channel_id
      FROM bids WHERE ${id} IS NOT NULL OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`);
    expect(expected.length).toBeGreaterThan(1000);
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });

  it("q22: url directories", async () => {
    const { rows } = await runJob(sqlManifest(`${BID}${example("q22")}`));
    const part = (i: number) => `nullif(split_part(url, '/', ${i + 1}), '')`;
    const expected = await duck.query(
      `SELECT auction, bidder, price, channel, ${part(3)} AS dir1, ${part(4)} AS dir2, ${part(5)} AS dir3 FROM bids`,
    );
    expect(rowDifference(rows.results, expected)).toEqual({ only: [[], []] });
  });
});
