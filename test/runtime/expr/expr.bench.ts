/**
 * Micro benchmark of the expression engine: rows/s per core for typical filters and projections.
 * Run: npx tsx test/runtime/expr/expr.bench.ts [rows] [batchSize]
 */
import type { RecordBatch } from "apache-arrow";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { compileExpression, compilePredicate } from "../../../runtime/expr/index.js";
import { FilterOperator } from "../../../runtime/operators/filter.js";
import { SelectOperator } from "../../../runtime/operators/select.js";
import { Rng, randomBatch } from "../../helpers/random.js";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 8192);

const FIELDS: FieldSpec[] = [
  { name: "ts", type: "timestamp[ms]" },
  { name: "price", type: "float64" },
  { name: "bidder", type: "int64" },
  { name: "channel", type: "utf8", dictionary: true },
  { name: "channel_plain", type: "utf8" },
  { name: "url", type: "utf8" },
];
const CHANNELS = ["Google", "Facebook", "Baidu", "Apple", "channel-1234", "channel-99"];

const rng = new Rng(42);
const whole = randomBatch(rng, FIELDS, ROWS, { nullRate: 0.02, strings: CHANNELS, floatRange: [0, 5000] });
// Realistic stream batches share the source's dictionary; slices of one batch do too.
const batches: RecordBatch[] = [];
for (let start = 0; start < ROWS; start += BATCH) batches.push(whole.slice(start, Math.min(ROWS, start + BATCH)));
const info = { schema: whole.schema, timeField: "ts" };

/**
 * Median of 7 trials after a warm-up. Rates use this process's CPU time, so other work on a shared
 * machine does not count against us (wall-clock rates are printed alongside).
 */
function bench(label: string, run: (b: RecordBatch) => unknown): void {
  for (let w = 0; w < 5; w++) for (const b of batches) run(b); // let the JIT settle
  const cpuRates: number[] = [];
  const wallRates: number[] = [];
  for (let trial = 0; trial < 7; trial++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const b of batches) run(b);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    cpuRates.push(ROWS / ((c.user + c.system) / 1e6));
    wallRates.push(ROWS / wall);
  }
  const median = (xs: number[]) => (xs.sort((a, b) => a - b)[xs.length >> 1] / 1e6).toFixed(1).padStart(7);
  console.log(`${label.padEnd(70)} ${median(cpuRates)} M rows/s per CPU-second (${median(wallRates)} wall)`);
}

console.log(`${ROWS} rows in batches of ${BATCH}, 2% NULLs, node ${process.version}`);
for (const sql of [
  "price * 0.908",
  "bidder % 100 + 1",
  "ts + 60000",
  "UPPER(channel)",
  "UPPER(channel_plain)",
  "CASE WHEN price > 1000 THEN 'high' ELSE 'low' END",
  "CAST(bidder AS VARCHAR)",
]) {
  const e = compileExpression(sql, info);
  bench(`project  ${sql}`, (b) => e.evaluate(b));
}
for (const sql of [
  "price > 1000",
  "price > 1000 AND channel <> 'Google'",
  "price > 1000 AND channel_plain <> 'Google'",
  "channel IN ('Google', 'Apple') OR url LIKE '%99'",
  "bidder BETWEEN -1000 AND 1000000 AND ts >= '2023-11-14 22:30:00'",
]) {
  const p = compilePredicate(sql, info);
  bench(`select   ${sql}`, (b) => p.selection(b));
}
const filter = new FilterOperator("f", info, "price > 1000 AND channel <> 'Google'");
bench("FilterOperator price > 1000 AND channel <> 'Google' (with takeBatch)", (b) => filter.processBatch(b, 0));
const select = new SelectOperator("s", info, ["ts", "bidder", "price * 0.908 AS price_eur", "channel"]);
bench("SelectOperator ts, bidder, price * 0.908 AS price_eur, channel", (b) => select.processBatch(b, 0));
