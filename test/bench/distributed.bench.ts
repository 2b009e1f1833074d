import type { DistributedResult } from "./distributed-case.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * The shuffle's cost: q7-style keyed aggregation chained in one process (no exchange) versus a
 * coordinator and 1, 2 and 4 worker processes on loopback exchanging Arrow batches over gRPC.
 * With 1 worker the exchange is in memory (partitioning only); from 2 workers on, (n-1)/n of the
 * rows are encoded as Arrow IPC and cross a gRPC stream. Worker processes share this machine's
 * cores, so on a 2-core machine 4 workers measure overhead, not scaling.
 */
export function distributedBench(events: number): void {
  const chained = runCase<DistributedResult>("./distributed-case.ts", ["chained", "1", String(events)]);
  const rows: (string | number)[][] = [
    [
      "chained (1 process)",
      fmt(chained.eventsPerSec),
      "1.00x",
      "-",
      "-",
      chained.outputRows,
      chained.peakRssMiB.toFixed(0),
    ],
  ];
  for (const workers of [1, 2, 4]) {
    const r = runCase<DistributedResult>("./distributed-case.ts", ["cluster", String(workers), String(events)]);
    rows.push([
      `${workers} worker${workers > 1 ? "s" : ""} + exchange`,
      fmt(r.eventsPerSec),
      `${(r.eventsPerSec / chained.eventsPerSec).toFixed(2)}x`,
      fmt(r.exchangedRows),
      r.exchangedMiB.toFixed(0),
      r.outputRows,
      r.peakRssMiB.toFixed(0),
    ]);
  }
  console.log(
    `\nDistributed q7 on loopback, ${fmt(events)} Nexmark bids (4 splits), events/s (deploy to drained; process start excluded)`,
  );
  console.log(
    table(["run", "events/s", "vs chained", "exchanged rows", "gRPC MiB", "out rows", "peak MiB/worker"], rows),
  );
}
