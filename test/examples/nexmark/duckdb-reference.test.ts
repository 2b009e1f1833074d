import type { RecordBatch } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindGenerator } from "../../../runtime/connectors/generator/config.js";
import type { GeneratorSourceSpec } from "../../../runtime/contract/spec/schema.js";
import { DuckDbReference, rowDifference } from "../../helpers/duckdb-reference.js";
import { exampleManifest, runJob } from "../../helpers/run-job.js";

/**
 * The Nexmark queries Sabot runs as YAML today (examples/nexmark/qN.yaml), run bounded on seeded
 * events and compared with DuckDB's answer to the same query over the same events: the exact
 * result multiset, window bounds included. Each case gives its sources' event counts (enough for
 * a few 10 s windows) and the reference query in DuckDB SQL, columns in Sabot's output order and
 * `{source}` for a source's table.
 */

const TEN_S = "INTERVAL '10 seconds'";
const TWO_S = "INTERVAL '2 seconds'";

interface Case {
  query: string;
  counts: Record<string, number>;
  sql: string;
  /** Splits of each generator source (default 1): windows must not depend on how events interleave. */
  partitions?: number;
}

const Q7_SQL = `SELECT auction, epoch_ms(w) AS window_start, epoch_ms(w + ${TEN_S}) AS window_end,
                 max(price) AS max_price, count(*) AS bids
          FROM (SELECT auction, price, time_bucket(${TEN_S}, "dateTime") AS w FROM {bids})
          GROUP BY auction, w`;

const CASES: Case[] = [
  {
    query: "q0",
    counts: { bids: 30_000 },
    sql: `SELECT auction, bidder, price, channel, url, epoch_ms("dateTime") AS "dateTime", extra FROM {bids}`,
  },
  {
    query: "q1",
    counts: { bids: 30_000 },
    sql: `SELECT auction, bidder, CAST(price AS DOUBLE) * 0.908 AS price_eur, epoch_ms("dateTime") AS "dateTime" FROM {bids}`,
  },
  {
    query: "q2",
    counts: { bids: 200_000 },
    sql: "SELECT auction, price FROM {bids} WHERE auction % 123 = 0",
  },
  {
    // The first stage of q5: bids per auction in sliding windows of 10 s every 2 s (5 per bid).
    query: "q5",
    counts: { bids: 200_000 },
    sql: `SELECT auction, epoch_ms(ws) AS window_start, epoch_ms(ws + ${TEN_S}) AS window_end, count(*) AS bids
          FROM (SELECT auction, time_bucket(${TWO_S}, "dateTime") - i * ${TWO_S} AS ws FROM {bids}, range(5) AS r(i))
          GROUP BY auction, ws`,
  },
  {
    query: "q7",
    counts: { bids: 200_000 },
    sql: Q7_SQL,
  },
  { query: "q7", counts: { bids: 200_000 }, sql: Q7_SQL, partitions: 5 },
  {
    // Persons joined with the auctions they sell in the same 10 s window.
    query: "q8",
    counts: { persons: 5000, auctions: 15_000 },
    sql: `SELECT p.id, p.name, epoch_ms(time_bucket(${TEN_S}, p."dateTime")) AS window_start
          FROM {persons} p JOIN {auctions} a
            ON p.id = a.seller AND time_bucket(${TEN_S}, p."dateTime") = time_bucket(${TEN_S}, a."dateTime")`,
  },
];

/** The events a generator source makes, all splits together, as the reference's input. */
function generated(spec: GeneratorSourceSpec): RecordBatch[] {
  const gen = kindGenerator(spec.kind, spec.seed ?? 42);
  const batches: RecordBatch[] = [];
  for (let first = 0; first < spec.count!; first += 8192)
    batches.push(gen.generate(first, 1, Math.min(8192, spec.count! - first)));
  return batches;
}

describe("Nexmark queries match DuckDB on the same events", () => {
  let duck: DuckDbReference;
  beforeAll(async () => {
    duck = await DuckDbReference.open();
  });
  afterAll(() => duck.close());
  /** Each case loads its own tables, named by the case's number. */
  let cases = 0;

  it.each(CASES.map((c) => ({ partitions: 1, ...c })))(
    "$query (splits: $partitions)",
    async ({ query, counts, sql, partitions }) => {
      const table = (source: string) => `${query}_${source}_${cases}`;
      cases++;
      const manifest = exampleManifest(`nexmark/${query}.yaml`);
      const sources = manifest.spec.sources!;
      for (const [name, count] of Object.entries(counts)) {
        const g = sources[name].generator!;
        g.count = count;
        g.partitions = partitions;
        await duck.load(table(name), generated(g));
      }
      const { rows } = await runJob(manifest);
      const own = sql.replace(/\{(\w+)\}/g, (_, n: string) => table(n));
      const expected = await duck.query(own);
      expect(expected.length).toBeGreaterThan(0);
      // Rows only Sabot gave, and rows only DuckDB gave: none on either side.
      expect(rowDifference(rows.out, expected)).toEqual({ only: [[], []] });
      expect(rows.out.length).toBe(expected.length);
    },
  );
});
