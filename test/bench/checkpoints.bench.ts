import { fmt, runCase, table } from "./run-case.js";

interface SizeResult {
  targetMiB: number;
  rows: number;
  snapshotMs: number;
  writeMs: number;
  longestStallMs: number;
  bytes: number;
}
interface WindowSizeResult {
  rows: number;
  stateRows: number;
  snapshotMs: number;
  writeMs: number;
  longestStallMs: number;
  bytes: number;
}
interface ThroughputResult {
  events: number;
  without: number;
  withCheckpoints: number;
}
interface RecoveryResult {
  noticedMs: number;
  registeredMs: number;
  runningMs: number;
  firstRecordMs: number;
  firstOutputMs: number;
}

/** Checkpoint cost (by state size), the throughput drop with checkpoints, and recovery time after kill -9. */
export function checkpointsBench(
  events: number,
  sizesMiB = [10, 100, 1024],
  windowEvents = [1_000_000, 10_000_000],
): void {
  const rows = sizesMiB.map((mib) => {
    const r = runCase<SizeResult>("./checkpoint-case.ts", ["size", String(mib)]);
    return [
      `${mib} MiB`,
      fmt(r.rows),
      (r.bytes / 2 ** 20).toFixed(1),
      r.snapshotMs.toFixed(0),
      r.writeMs.toFixed(0),
      r.longestStallMs.toFixed(0),
      (r.bytes / 2 ** 20 / (r.writeMs / 1000)).toFixed(0),
    ];
  });
  console.log("\nCheckpoint of a windowed join's state (Nexmark auctions), one subtask, to a local folder");
  console.log(
    table(
      [
        "state",
        "rows",
        "MiB written",
        "snapshot ms (pause)",
        "write ms (async)",
        "longest stall during write ms",
        "MiB/s",
      ],
      rows,
    ),
  );

  const windows = windowEvents.map((events) => {
    const r = runCase<WindowSizeResult>("./checkpoint-case.ts", ["window-size", String(events)]);
    return [
      fmt(r.rows),
      fmt(r.stateRows),
      (r.bytes / 2 ** 20).toFixed(1),
      r.snapshotMs.toFixed(0),
      r.writeMs.toFixed(0),
      r.longestStallMs.toFixed(0),
    ];
  });
  console.log(
    "\nCheckpoint of a window aggregate's state (bids per auction and bidder, 4 aggregates), one subtask, to a local folder",
  );
  console.log(
    table(
      ["bids", "open slots", "MiB written", "snapshot ms (pause)", "write ms (async)", "longest stall during write ms"],
      windows,
    ),
  );

  const t = runCase<ThroughputResult>("./checkpoint-case.ts", ["throughput", String(events)]);
  console.log(
    `\nq7 over ${fmt(events)} bids, one process: ${fmt(t.without)} events/s without checkpoints, ${fmt(t.withCheckpoints)} with one every second (${((1 - t.withCheckpoints / t.without) * 100).toFixed(1)}% drop)`,
  );

  const r = runCase<RecoveryResult>("./checkpoint-case.ts", ["recovery"]);
  console.log(
    `\nRecovery, 2 worker processes, checkpoints every second, 1 s windows, after kill -9 (ms since the kill):\n` +
      table(
        ["failure noticed", "replacement registered", "restored and running", "first record", "first window out"],
        [[r.noticedMs, r.registeredMs, r.runningMs, r.firstRecordMs, r.firstOutputMs]],
      ),
  );
}
