import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { planManifest } from "../../runtime/planner/validate.js";
import { CollectingSink } from "../helpers/collecting-sink.js";
import type { CaseResult } from "./nexmark-case.js";
import { nexmarkSql } from "./nexmark-sql.js";
import { peakRssMiB } from "./peak-memory.js";

/**
 * One Nexmark query from examples/nexmark as SQL, in a fresh process (peak memory is the case's
 * own): `nexmark-sql-case.ts <qN> <scale>` (see nexmarkSql); prints one JSON line, as the YAML
 * cases do (`events` counts every source record read: bids, persons, auctions). Planning (the SQL
 * grammar's load and parse) is not timed; the run is, into rows counted in memory (or files, q10).
 */
export type SqlCaseResult = Omit<CaseResult, "impl">;

async function main(): Promise<void> {
  const [query, scale] = process.argv.slice(2);
  // This process runs the job, as `sabot run` would.
  tuneCollectorForJobs();
  process.env.SABOT_LOG_LEVEL ??= "warn";
  const dir = mkdtempSync(join(tmpdir(), `sabot-bench-${query}-`));
  try {
    const plan = planManifest({ name: `nexmark-${query}`, spec: { sql: nexmarkSql(query, Number(scale), dir) } });
    // Blackhole and print tables count rows instead of printing them; a filesystem table writes.
    const sinks = Object.fromEntries(
      Object.entries(plan.spec.sinks)
        .filter(([, spec]) => spec.console)
        .map(([name]) => [name, new CollectingSink(false)]),
    );
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const summary = await new LocalJob(plan, { sinks }).run();
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    const result: SqlCaseResult = {
      query,
      events: summary.recordsIn,
      seconds,
      eventsPerSec: summary.recordsIn / seconds,
      eventsPerCpuSec: summary.recordsIn / ((cpu.user + cpu.system) / 1e6),
      outputRows: summary.recordsOut,
      peakRssMiB: peakRssMiB(),
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
