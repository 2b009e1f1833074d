import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordBatch } from "apache-arrow";
import { encodeFile } from "../../runtime/connectors/files/file-format.js";
import { BidGenerator } from "../../runtime/connectors/generator/nexmark-bid.js";

/**
 * The q7 aggregation (max price and bid count per auction per 10-second window) in DuckDB, on the
 * same Nexmark bid batches the engine's generator makes: a reference for what a native columnar
 * engine reaches on this machine. One thread (events/s per core, like the engine's figures). The
 * batches reach DuckDB as a Parquet file (the npm client has no Arrow scan without a download);
 * loading is not timed, only the query. `duckdb-case.ts <events>`; prints one JSON line.
 */
export interface DuckDbResult {
  available: boolean;
  reason?: string;
  events: number;
  seconds: number;
  cpuSeconds: number;
  eventsPerSec: number;
  eventsPerCpuSec: number;
  outputRows: number;
  version?: string;
}

/** The part of @duckdb/node-api this case uses. */
interface DuckDbConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }>;
  closeSync(): void;
}
interface DuckDbModule {
  DuckDBInstance: {
    create(
      path: string,
      options: Record<string, string>,
    ): Promise<{ connect(): Promise<DuckDbConnection>; closeSync(): void }>;
  };
}

/**
 * A devDependency (also the Nexmark tests' reference engine), imported lazily so that the kernel
 * figures still print on a platform whose DuckDB binary package did not install.
 */
const DUCKDB = "@duckdb/node-api";

async function main(): Promise<void> {
  const events = Number(process.argv[2]);
  let duckdb: DuckDbModule;
  try {
    duckdb = (await import(DUCKDB)) as DuckDbModule;
  } catch (err) {
    const r: DuckDbResult = {
      available: false,
      reason: `${DUCKDB} not loadable (a devDependency: run npm ci): ${(err as Error).message}`,
      events,
      seconds: 0,
      cpuSeconds: 0,
      eventsPerSec: 0,
      eventsPerCpuSec: 0,
      outputRows: 0,
    };
    console.log(JSON.stringify(r));
    return;
  }
  const gen = new BidGenerator(1);
  const batches: RecordBatch[] = [];
  for (let first = 0; first < events; first += 16_384)
    batches.push(gen.generate(first, 1, Math.min(16_384, events - first)));
  const dir = mkdtempSync(join(tmpdir(), "sabot-duckdb-"));
  const file = join(dir, "bids.parquet");
  try {
    writeFileSync(file, encodeFile(batches, "parquet"));
    batches.length = 0;
    const db = await duckdb.DuckDBInstance.create(":memory:", { threads: "1" });
    const con = await db.connect();
    await con.run(`CREATE TABLE bids AS SELECT * FROM read_parquet('${file}')`);
    const version = String((await con.runAndReadAll("SELECT version() AS v")).getRowObjects()[0].v);
    const q = `SELECT auction, epoch_ms(dateTime) // 10000 AS w, max(price) AS max_price, count(*) AS bids
               FROM bids GROUP BY auction, w`;
    await con.runAndReadAll(q); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await con.runAndReadAll(`SELECT count(*) AS n FROM (${q})`);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const outputRows = Number(res.getRowObjects()[0].n);
    const r: DuckDbResult = {
      available: true,
      events,
      seconds,
      cpuSeconds,
      eventsPerSec: events / seconds,
      eventsPerCpuSec: events / cpuSeconds,
      outputRows,
      version,
    };
    console.log(JSON.stringify(r));
    con.closeSync();
    db.closeSync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
