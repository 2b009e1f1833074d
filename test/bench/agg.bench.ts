import type { AggResult } from "./agg-case.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * Aggregation only (issue 17): the window step of q7, q5 and a q8-like keyed count on the same
 * pre-generated Nexmark bids, Sabot's WindowAggregateOperator (TypeScript kernels, then native)
 * beside DuckDB on one thread, each in its own process, in events per CPU-second (best of 3 rounds
 * per process). Both must give the same number of (key, window) rows. `npm run bench:agg`.
 */
export function aggBench(events: number): void {
  const rows: (string | number)[][] = [];
  for (const q of ["q7", "q5", "q8"]) {
    const ts = runCase<AggResult>("./agg-case.ts", [q, "sabot", String(events)], { SABOT_NATIVE: "0" });
    const nat = runCase<AggResult>("./agg-case.ts", [q, "sabot", String(events)], { SABOT_NATIVE: "1" });
    const duck = runCase<AggResult>("./agg-case.ts", [q, "duckdb", String(events)]);
    for (const r of [ts, nat])
      if (r.outputRows !== duck.outputRows)
        throw new Error(`${q}: Sabot (${r.impl}) gave ${r.outputRows} rows, DuckDB ${duck.outputRows}`);
    const best = nat.eventsPerCpuSec > ts.eventsPerCpuSec ? nat : ts;
    rows.push([
      q,
      fmt(ts.eventsPerCpuSec),
      `${fmt(nat.eventsPerCpuSec)} (${nat.impl})`,
      fmt(duck.eventsPerCpuSec),
      `${(best.eventsPerCpuSec / duck.eventsPerCpuSec).toFixed(2)}x`,
      duck.outputRows,
    ]);
  }
  console.log(
    `\nAggregation only, ${fmt(events)} pre-generated bids, events per CPU-second (q7: max+count per auction, 10 s tumbling; q5: count per auction, 10 s sliding by 2 s; q8: count per bidder, 10 s tumbling)`,
  );
  console.log(table(["query", "Sabot TS", "Sabot native", "DuckDB 1 thread", "Sabot/DuckDB", "out rows"], rows));
}
