import type { CaseResult } from "./nexmark-case.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * Nexmark on the generator, columnar engine vs. the row-at-a-time baseline, each in its own
 * process, one core (Node runs the job on one thread). Then q1 at 10× the events to check that
 * memory stays flat.
 */
export function nexmarkBench(events: number): void {
  const queries = ["q0", "q1", "q2", "q7", "q8"];
  const rows: (string | number)[][] = [];
  for (const q of queries) {
    const col = runCase<CaseResult>("./nexmark-case.ts", [q, "columnar", String(events)]);
    const row = runCase<CaseResult>("./nexmark-case.ts", [q, "row", String(events)]);
    rows.push([
      q,
      fmt(col.eventsPerSec),
      col.peakRssMiB.toFixed(0),
      fmt(row.eventsPerSec),
      row.peakRssMiB.toFixed(0),
      `${(col.eventsPerSec / row.eventsPerSec).toFixed(1)}x`,
      col.outputRows,
    ]);
  }
  console.log(`\nNexmark on the generator, ${fmt(events)} events, events/s on one core (peak RSS MiB)`);
  console.log(table(["query", "columnar ev/s", "MiB", "row ev/s", "MiB", "speed-up", "out rows"], rows));

  const short = runCase<CaseResult>("./nexmark-case.ts", ["q1", "columnar", String(events)]);
  const long = runCase<CaseResult>("./nexmark-case.ts", ["q1", "columnar", String(events * 10)]);
  console.log(
    `\nmemory over a 10x longer run (q1): ${fmt(events)} events → ${short.peakRssMiB.toFixed(0)} MiB peak, ${fmt(events * 10)} events → ${long.peakRssMiB.toFixed(0)} MiB peak (${fmt(long.eventsPerSec)} ev/s)`,
  );
}
