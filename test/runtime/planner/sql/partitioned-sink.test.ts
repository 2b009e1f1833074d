import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unescapePartitionValue } from "../../../../runtime/connectors/files/partitions.js";
import { compileSql } from "../../../../runtime/planner/sql/compile-sql.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { type DuckDbReference, rowDifference } from "../../../helpers/duckdb-reference.js";
import { runJob } from "../../../helpers/run-job.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { readFileBatches } from "../../connectors/files/read-back.js";
import { BID, bidsReference, RESULTS, sqlIssues, sqlManifest } from "./sql-fixtures.js";

let dir: string;
tempDirEach("sabot-q10-", (d) => (dir = d));

/** examples/nexmark/q10.sql as written, into `out`, with minutes or seconds (`HH:mm:ss`) as hm. */
async function q10(out: string, hm = "HH:mm"): Promise<string> {
  const text = await readFile(new URL("../../../../examples/nexmark/q10.sql", import.meta.url), "utf8");
  return text.replace("/tmp/sabot-nexmark-q10", out).replace("'HH:mm'", `'${hm}'`);
}

/** Every row of the Parquet files under `out`, with the partition columns read from their directories. */
async function partitionedRows(out: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of await readdir(out, { recursive: true })) {
    if (!f.endsWith(".parquet") || f.split("/").some((p) => p.startsWith(".") || p.startsWith("_"))) continue;
    const dirs = Object.fromEntries(
      f
        .split("/")
        .slice(0, -1)
        .map((p) => [p.slice(0, p.indexOf("=")), unescapePartitionValue(p.slice(p.indexOf("=") + 1))]),
    );
    for (const b of readFileBatches(await readFile(join(out, f)), "parquet"))
      for (const r of batchRows(b)) rows.push({ ...r, ...dirs });
  }
  return rows;
}

describe("PARTITIONED BY onto the files sink (Nexmark q10)", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await bidsReference();
  });
  afterAll(() => duck.close());

  it("compiles to a files sink with partitionBy", async () => {
    const c = compileSql(`${BID}${await q10("/tmp/x")}`);
    expect(c.sinks.fs_sink).toEqual({ files: { path: "/tmp/x", format: "parquet", partitionBy: ["dt", "hm"] } });
  });

  it.each([
    ["HH:mm", 1],
    ["HH:mm:ss", 3], // BID's 20,000 bids span about 3 s
  ])("q10 (hm as %s): every bid lands in the directory of its dt and hm, as DuckDB groups them", async (hm, min) => {
    const out = join(dir, "q10");
    const { summary } = await runJob(sqlManifest(`${BID}${await q10(out, hm)}`), { realSinks: ["fs_sink"] });
    expect(summary.reason).toBe("end-of-input");
    const fmt = hm === "HH:mm" ? "%H:%M" : "%H:%M:%S";
    const expected = await duck.query(`SELECT auction, bidder, price, epoch_ms("dateTime") AS "dateTime", extra,
      strftime("dateTime", '%Y-%m-%d') AS dt, strftime("dateTime", '${fmt}') AS hm FROM bids`);
    const actual = await partitionedRows(out);
    expect(rowDifference(actual, expected)).toEqual({ only: [[], []] });
    const dirs = new Set(
      (await readdir(out, { recursive: true }))
        .filter((f) => f.endsWith(".parquet"))
        .map((f) => f.replace(/\/[^/]*$/, "")),
    );
    const groups = await duck.query(`SELECT count(DISTINCT strftime("dateTime", '%Y-%m-%d ${fmt}')) AS n FROM bids`);
    expect(dirs.size).toBe(groups[0].n);
    expect(dirs.size).toBeGreaterThanOrEqual(min);
  });

  it("refuses PARTITIONED BY on other connectors, on a source and of an undeclared column", () => {
    const line = BID.split("\n").length;
    const sink = (partition: string, connector: string) =>
      `${BID}CREATE TABLE results (a BIGINT, d STRING) PARTITIONED BY (${partition}) WITH ('connector' = '${connector}'${connector === "filesystem" ? ", 'path' = '/tmp/x'" : ""});
INSERT INTO results SELECT auction, channel FROM bid;`;
    expect(sqlIssues(sink("d", "print"))[0]).toEqual({
      path: `spec.sql:${line}:43`,
      message:
        "PARTITIONED BY: the 'print' connector writes no partitions (partitions are directories of a 'filesystem' table)",
    });
    expect(sqlIssues(sink("e", "filesystem"))[0].message).toMatch(/PARTITIONED BY e: table results has no column e/);
    const source = BID.replace(") WITH (", ") PARTITIONED BY (auction) WITH (");
    expect(sqlIssues(`${source}${RESULTS("a BIGINT")}INSERT INTO results SELECT auction FROM bid;`)[0].message).toMatch(
      /PARTITIONED BY: table bid is read/,
    );
  });
});
