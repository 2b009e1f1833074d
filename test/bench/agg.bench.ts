import type { AggResult } from "./agg-case.js";
import type { LookupResult } from "./agg-lookup-case.js";
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
  lookupBench(events);
}

/** The key-table lookup of one int64 key column, TypeScript vs the native one-pass kernel. */
function lookupBench(events: number): void {
  const lines = ["auction", "bidder"].map((key) => {
    const [ts, nat] = ["0", "1"].map((mode) =>
      runCase<LookupResult>("./agg-lookup-case.ts", [key, String(Math.min(events, 3_000_000))], { SABOT_NATIVE: mode }),
    );
    const ratio = `${(nat.lookupRowsPerCpuSec / ts.lookupRowsPerCpuSec).toFixed(2)}x`;
    return [key, fmt(ts.lookupRowsPerCpuSec), `${fmt(nat.lookupRowsPerCpuSec)} (${nat.impl})`, ratio];
  });
  console.log("\nKey-table lookup (int64 key, hashing excluded), rows per CPU-second");
  console.log(table(["key", "TypeScript", "native", "native/TS"], lines));
}
