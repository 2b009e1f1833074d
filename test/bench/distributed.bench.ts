import type { DistributedResult } from "./distributed-case.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * The shuffle's cost: q7-style keyed aggregation chained in one process (no exchange) versus a
 * coordinator and 1, 2 and 4 worker processes on loopback exchanging Arrow batches over TCP.
 * With 1 worker the exchange is in memory (partitioning only); from 2 workers on, (n-1)/n of the
 * rows are encoded as Arrow IPC and cross a TCP connection, with mTLS as `sabot run --parallelism`
 * sets it up; one more 2-worker run without TLS prices the encryption. Worker processes share this
 * machine's cores, so on a 2-core machine 4 workers measure overhead, not scaling. The ceiling
 * rows (split-case.ts) run the same work as 2 and 4 independent processes with no exchange at
 * all: what this machine allows that many processes, which no cluster run can beat.
 */
export function distributedBench(events: number): void {
  const chained = runCase<DistributedResult>("./distributed-case.ts", ["chained", "1", String(events)]);
  const row = (name: string, r: DistributedResult) => [
    name,
    fmt(r.eventsPerSec),
    r === chained ? "1.00x" : `${(r.eventsPerSec / chained.eventsPerSec).toFixed(2)}x`,
    r.mode.startsWith("cluster") ? fmt(r.exchangedRows) : "-",
    r.mode.startsWith("cluster") ? r.exchangedMiB.toFixed(0) : "-",
    r.outputRows,
    r.peakRssMiB.toFixed(0),
  ];
  const rows: (string | number)[][] = [row("chained (1 process)", chained)];
  const ceiling = new Map<number, DistributedResult>();
  for (const parts of [2, 4]) {
    const r = runCase<DistributedResult>("./split-case.ts", [String(parts), String(events)]);
    ceiling.set(parts, r);
    rows.push(row(`ceiling: ${parts} independent processes, no exchange`, r));
  }
  const tls = new Map<number, DistributedResult>();
  for (const workers of [1, 2, 4]) {
    const r = runCase<DistributedResult>("./distributed-case.ts", ["cluster", String(workers), String(events)]);
    tls.set(workers, r);
    rows.push(row(`${workers} worker${workers > 1 ? "s" : ""} + exchange`, r));
  }
  // The price of mTLS on the exchange: the same 2-worker run without TLS (`sabot run --insecure`).
  const plain = runCase<DistributedResult>("./distributed-case.ts", ["cluster-plaintext", "2", String(events)]);
  rows.push(row("2 workers + exchange, plaintext", plain));
  console.log(
    `\nDistributed q7 on loopback, ${fmt(events)} Nexmark bids (4 splits), events/s (deploy to drained; process start excluded); worker runs use mTLS unless marked plaintext`,
  );
  console.log(
    table(["run", "events/s", "vs chained", "exchanged rows", "exchanged MiB", "out rows", "peak MiB/worker"], rows),
  );
  const share = (n: number) =>
    `${n} workers ${((tls.get(n)!.eventsPerSec / ceiling.get(n)!.eventsPerSec) * 100).toFixed(0)}%`;
  console.log(`Cluster runs as a share of the ceiling for as many processes: ${share(2)}, ${share(4)}`);
  const secure = tls.get(2)!;
  const rate = (r: DistributedResult) => r.exchangedRows / r.seconds;
  console.log(
    `Exchange mTLS vs plaintext (2 workers): ${fmt(rate(secure))} vs ${fmt(rate(plain))} exchanged rows/s, ` +
      `events/s ratio mTLS/plaintext ${(secure.eventsPerSec / plain.eventsPerSec).toFixed(2)}x`,
  );
}
