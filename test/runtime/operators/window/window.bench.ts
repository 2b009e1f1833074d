/**
 * Micro-benchmark of WindowAggregateOperator on Nexmark-like bids (auction int64, price int64,
 * dateTime timestamp[ms]) with ~1000 auctions, one core, batches of 8192 rows, a watermark after
 * every batch. Input batches are built before timing.
 *
 *   npx tsx test/runtime/operators/window/window.bench.ts [rows=5000000] [keys=1000]
 */
import { Field, Int64, type RecordBatch, Schema, TimestampMillisecond } from "apache-arrow";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { int64Data, timestampData } from "../../../../runtime/types/builders.js";
import { makeBatch } from "../../../../runtime/types/column.js";

const ROWS = Number(process.argv[2] ?? 5_000_000);
const KEYS = Number(process.argv[3] ?? 1000);
const BATCH = 8192;
const EVENTS_PER_SECOND = 100_000; // event-time rate: a 10 s window holds ~1M bids
const OUT_OF_ORDER_MS = 2000;

const schema = new Schema([
  new Field("auction", new Int64(), false),
  new Field("price", new Int64(), false),
  new Field("dateTime", new TimestampMillisecond(), false),
]);

function bids(): { batches: RecordBatch[]; watermarks: number[] } {
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const batches: RecordBatch[] = [];
  const watermarks: number[] = [];
  let maxTime = 0;
  for (let row = 0; row < ROWS; row += BATCH) {
    const n = Math.min(BATCH, ROWS - row);
    const auction = new Float64Array(n);
    const price = new Float64Array(n);
    const time = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Skewed like Nexmark: a few hot auctions.
      auction[i] = 1000 + Math.floor(KEYS * rand() ** 2);
      price[i] = Math.floor(100 + rand() * 100_000);
      time[i] =
        1_700_000_000_000 + Math.floor(((row + i) * 1000) / EVENTS_PER_SECOND) - Math.floor(rand() * OUT_OF_ORDER_MS);
      if (time[i] > maxTime) maxTime = time[i];
    }
    batches.push(makeBatch(schema, [int64Data(auction), int64Data(price), timestampData(time)], n));
    watermarks.push(maxTime - OUT_OF_ORDER_MS);
  }
  return { batches, watermarks };
}

function run(label: string, window: WindowSpec, aggregates: string[], input: ReturnType<typeof bids>): void {
  const best = { rate: 0, out: 0 };
  for (let round = 0; round < 3; round++) {
    const op = new WindowAggregateOperator({
      name: label,
      input: { schema, timeField: "dateTime", keys: ["auction"] },
      keys: ["auction"],
      window,
      aggregates,
      maxParallelism: 128,
    });
    let out = 0;
    const t0 = performance.now();
    for (let b = 0; b < input.batches.length; b++) {
      op.processBatch(input.batches[b], 0);
      for (const o of op.processWatermark(input.watermarks[b])) out += o.numRows;
    }
    for (const o of op.processWatermark(Number.POSITIVE_INFINITY)) out += o.numRows;
    const seconds = (performance.now() - t0) / 1000;
    const rate = ROWS / seconds;
    if (rate > best.rate) Object.assign(best, { rate, out });
  }
  console.log(`${label.padEnd(44)} ${(best.rate / 1e6).toFixed(2).padStart(6)} M rows/s  (${best.out} output rows)`);
}

const input = bids();
console.log(`${ROWS} bids, ${KEYS} auctions, batches of ${BATCH}; best of 3 runs, one core`);
run("q7-like: tumbling 10s max(price)", { type: "tumbling", size: "10s" }, ["max(price) AS max_price"], input);
run("q5-like: tumbling 10s count(*)", { type: "tumbling", size: "10s" }, ["count(*) AS bids"], input);
run(
  "tumbling 10s count, max, sum, avg",
  { type: "tumbling", size: "10s" },
  ["count(*) AS bids", "max(price)", "sum(price)", "avg(price)"],
  input,
);
run("q5: sliding 10s/2s count(*)", { type: "sliding", size: "10s", slide: "2s" }, ["count(*) AS bids"], input);
run("session 30ms count(*), max(price)", { type: "session", gap: "30ms" }, ["count(*) AS bids", "max(price)"], input);
run("tumbling 10s count(distinct price)", { type: "tumbling", size: "10s" }, ["count(distinct price) AS n"], input);
