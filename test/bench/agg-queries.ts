import { type RecordBatch, Schema } from "apache-arrow";
import { BidGenerator } from "../../runtime/connectors/generator/nexmark-bid.js";
import type { WindowSpec } from "../../runtime/contract/spec/schema.js";

/**
 * The aggregations of the aggregation-only benchmark (agg-case.ts): the window step of Nexmark
 * q7, q5 and a q8-like keyed count, each as Sabot's window aggregation and as the DuckDB query that
 * computes the same (key, window) rows. Window starts in DuckDB are epoch-ms // slide, minus the
 * pass for sliding windows (a bid at t is in the windows starting at floor(t/slide)*slide - k*slide,
 * k = 0..size/slide-1), as AlignedWindows assigns them.
 */
export interface AggQuery {
  key: string;
  window: WindowSpec;
  aggregates: string[];
  duckdb: string;
}

export const AGG_QUERIES: Record<string, AggQuery> = {
  q7: {
    key: "auction",
    window: { type: "tumbling", size: "10s" },
    aggregates: ["max(price) AS max_price", "count(*) AS bids"],
    duckdb: `SELECT auction, epoch_ms(dateTime) // 10000 AS w, max(price) AS max_price, count(*) AS bids
             FROM bids GROUP BY auction, w`,
  },
  q5: {
    key: "auction",
    window: { type: "sliding", size: "10s", slide: "2s" },
    aggregates: ["count(*) AS bids"],
    duckdb: `SELECT auction, epoch_ms(dateTime) // 2000 - k AS w, count(*) AS bids
             FROM bids, range(5) AS p(k) GROUP BY auction, w`,
  },
  q8: {
    key: "bidder",
    window: { type: "tumbling", size: "10s" },
    aggregates: ["count(*) AS bids"],
    duckdb: `SELECT bidder, epoch_ms(dateTime) // 10000 AS w, count(*) AS bids FROM bids GROUP BY bidder, w`,
  },
};

/** The columns the aggregations read; the rest of a bid (urls, channels) is dropped before timing. */
export const AGG_COLUMNS = ["auction", "bidder", "price", "dateTime"];

/** Nexmark bids (seed 1) in 16,384-row batches with only AGG_COLUMNS, as the source would make them. */
export function aggBids(events: number): RecordBatch[] {
  const gen = new BidGenerator(1);
  const batches: RecordBatch[] = [];
  for (let first = 0; first < events; first += 16_384) {
    const b = gen.generate(first, 1, Math.min(16_384, events - first));
    const idx = AGG_COLUMNS.map((c) => b.schema.fields.findIndex((f) => f.name === c));
    batches.push(b.selectAt(idx));
  }
  return batches;
}

export function aggSchema(batches: RecordBatch[]): Schema {
  return batches[0]?.schema ?? new Schema([]);
}
