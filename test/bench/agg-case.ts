import { DuckDBInstance } from "@duckdb/node-api";
import type { RecordBatch } from "apache-arrow";
import { encodeFile } from "../../runtime/connectors/files/file-format.js";
import { kernelChoice } from "../../runtime/kernels/native.js";
import { WindowAggregateOperator } from "../../runtime/operators/window/window-aggregate.js";
import { toFloat64 } from "../../runtime/types/column.js";
import { AGG_QUERIES, type AggQuery, aggBids } from "./agg-queries.js";

/**
 * One aggregation-only case in a fresh process: `agg-case.ts <q5|q7|q8> <sabot|duckdb> <events> [rounds]`;
 * prints one JSON line. The bids are generated before timing; only the aggregation is timed, in
 * CPU time of this process (best of `rounds`, default 3), so other load on the machine counts less.
 *
 * sabot: the batches go through WindowAggregateOperator with a watermark after each batch (the
 * batch's latest event time - 1 s, as the examples' maxOutOfOrderness), then +Infinity.
 * duckdb: one thread, the same bids in a DuckDB table (loaded from a Parquet file of them: the
 * npm client has no Arrow scan without a download), the query's result rows counted.
 */
export interface AggResult {
  query: string;
  engine: string;
  impl: string;
  events: number;
  cpuSeconds: number;
  wallSeconds: number;
  eventsPerCpuSec: number;
  outputRows: number;
}

interface Timed {
  cpuSeconds: number;
  wallSeconds: number;
  outputRows: number;
}

async function timed(run: () => number | Promise<number>): Promise<Timed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const outputRows = await run();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds, outputRows };
}

function sabotRound(q: AggQuery, batches: RecordBatch[], watermarks: number[]): number {
  const op = new WindowAggregateOperator({
    name: "agg",
    input: { schema: batches[0].schema, timeField: "dateTime", keys: [q.key] },
    keys: [q.key],
    window: q.window,
    aggregates: q.aggregates,
    maxParallelism: 128,
  });
  let out = 0;
  for (let b = 0; b < batches.length; b++) {
    op.processBatch(batches[b], 0);
    for (const o of op.processWatermark(watermarks[b])) out += o.numRows;
  }
  for (const o of op.processWatermark(Number.POSITIVE_INFINITY)) out += o.numRows;
  return out;
}

async function sabot(q: AggQuery, batches: RecordBatch[], rounds: number): Promise<Timed[]> {
  const timeIndex = batches[0].schema.fields.findIndex((f) => f.name === "dateTime");
  const watermarks = batches.map((b) => {
    const t = toFloat64(b.data.children[timeIndex]);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < t.length; i++) if (t[i] > max) max = t[i];
    return max - 1000;
  });
  const out: Timed[] = [];
  for (let r = 0; r < rounds; r++) out.push(await timed(() => sabotRound(q, batches, watermarks)));
  return out;
}

async function duckdb(q: AggQuery, batches: RecordBatch[], rounds: number): Promise<Timed[]> {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "sabot-agg-"));
  const file = join(dir, "bids.parquet");
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const con = await db.connect();
  try {
    writeFileSync(file, encodeFile(batches, "parquet"));
    await con.run(`CREATE TABLE bids AS SELECT * FROM read_parquet('${file}')`);
    const sql = `SELECT count(*) AS n FROM (${q.duckdb})`;
    await con.runAndReadAll(sql); // warm-up
    const out: Timed[] = [];
    for (let r = 0; r < rounds; r++)
      out.push(await timed(async () => Number((await con.runAndReadAll(sql)).getRowObjects()[0].n)));
    return out;
  } finally {
    con.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [query, engine, eventsArg, roundsArg] = process.argv.slice(2);
  const q = AGG_QUERIES[query];
  if (!q) throw new Error(`unknown query "${query}": use ${Object.keys(AGG_QUERIES).join(", ")}`);
  if (engine !== "sabot" && engine !== "duckdb") throw new Error(`engine must be sabot or duckdb, got "${engine}"`);
  const events = Number(eventsArg);
  const batches = aggBids(events);
  const runs = await (engine === "sabot" ? sabot : duckdb)(q, batches, Number(roundsArg ?? 3));
  const best = runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
  const result: AggResult = {
    query,
    engine,
    impl: engine === "sabot" ? kernelChoice.impl : "duckdb",
    events,
    cpuSeconds: best.cpuSeconds,
    wallSeconds: best.wallSeconds,
    eventsPerCpuSec: events / best.cpuSeconds,
    outputRows: best.outputRows,
  };
  console.log(JSON.stringify(result));
}

await main();
