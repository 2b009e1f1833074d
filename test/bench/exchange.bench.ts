import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExchangeResult } from "./exchange-case.js";
import { summarizeProfile } from "./exchange-profile.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * Rows per second through one exchange channel (issue 17's target: 10 M rows/s for bid batches):
 * (a) one channel's encode + decode alone (ChannelEncoder/ChannelDecoder: the dictionaries cross
 * with the first frame only), (b) the whole path between two processes over loopback TCP,
 * plaintext and mTLS, for q7's 3 columns and the generator's full 7-column bid batch (and the bid
 * batch with its dictionary columns as bare Int32 indices, for reference).
 * Each case runs `rounds` times, interleaved so that the machine's load hits every case alike;
 * the table shows the median and the range. Then one profiled q7 run splits each side's CPU
 * time by stage, per frame and per row.
 */
const TARGET = 10_000_000;
const FRAME_ROWS = 16_384; // the worker default (SABOT_EXCHANGE_FRAME_ROWS)

interface Case {
  name: string;
  args: string[];
}

const CASES: Case[] = [
  { name: "codec q7 (encode+decode)", args: ["codec", "q7", String(FRAME_ROWS), "2000000"] },
  { name: "codec bid (encode+decode)", args: ["codec", "bid", String(FRAME_ROWS), "200000"] },
  { name: "link q7, plaintext", args: ["link", "q7", String(FRAME_ROWS), "4000000", "plain"] },
  { name: "link q7, mTLS", args: ["link", "q7", String(FRAME_ROWS), "4000000", "mtls"] },
  // As many rows as q7's: the channel's first frame (schema and ~1 MB of dictionaries) weighs little.
  { name: "link bid, plaintext", args: ["link", "bid", String(FRAME_ROWS), "4000000", "plain"] },
  { name: "link bid, mTLS", args: ["link", "bid", String(FRAME_ROWS), "4000000", "mtls"] },
  // The bid batch with its dictionary columns as bare indices: a channel's frames after the first.
  { name: "codec bid, indices only", args: ["codec", "bid-indices", String(FRAME_ROWS), "1000000"] },
  { name: "link bid, indices only, plaintext", args: ["link", "bid-indices", String(FRAME_ROWS), "2000000", "plain"] },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function profileBreakdown(): void {
  const dir = mkdtempSync(join(tmpdir(), "sabot-xprof-"));
  const r = runCase<ExchangeResult>("./exchange-case.ts", ["link", "q7", String(FRAME_ROWS), "4000000", "plain"], {
    SABOT_BENCH_CPU_PROF: dir,
  });
  console.log(
    `\nCPU profile of one q7 plaintext run (${fmt(r.rowsPerSec)} rows/s, ${r.frames} frames of ${FRAME_ROWS} rows, ` +
      `${(r.bytesPerFrame / 1024).toFixed(0)} KiB): self time by stage over the measured part (V8 sampling profiler, 200 us)`,
  );
  for (const side of ["sender", "receiver"]) {
    const s = summarizeProfile(JSON.parse(readFileSync(join(dir, `${side}.cpuprofile`), "utf8")), 8);
    const rows = s.stages
      .filter(([stage]) => stage !== "(profiler)")
      .slice(0, 12)
      .map(([stage, ms]) => [
        stage,
        ms.toFixed(0),
        ((ms * 1000) / r.frames).toFixed(1),
        ((ms * 1e6) / r.rows).toFixed(1),
      ]);
    console.log(`\n${side}:`);
    console.log(table(["stage", "ms", "us/frame", "ns/row"], rows));
    console.log(`top self time: ${s.functions.map(([f, ms]) => `${f} ${ms.toFixed(0)} ms`).join("; ")}`);
  }
}

export function exchangeBench(rounds = Number(process.env.SABOT_BENCH_EXCHANGE_ROUNDS ?? 3)): void {
  const results = new Map<string, ExchangeResult[]>(CASES.map((c) => [c.name, []]));
  for (let i = 0; i < rounds; i++)
    for (const c of CASES) results.get(c.name)!.push(runCase<ExchangeResult>("./exchange-case.ts", c.args));
  const rows = CASES.map((c) => {
    const rs = results.get(c.name)!;
    const rates = rs.map((r) => r.rowsPerSec);
    const m = median(rates);
    return [
      c.name,
      `${(rs[0]!.bytesPerFrame / 1024).toFixed(0)} KiB`,
      fmt(m),
      `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`,
      rs[0]!.rowsPerCpuSecond === undefined ? "-" : fmt(median(rs.map((r) => r.rowsPerCpuSecond!))),
      `${(m / TARGET).toFixed(2)}x`,
      rs[0]!.encodeUs === undefined
        ? "-"
        : `${median(rs.map((r) => r.encodeUs!)).toFixed(0)}/${median(rs.map((r) => r.decodeUs!)).toFixed(0)}`,
    ];
  });
  console.log(
    `\nExchange, one channel, frames of ${FRAME_ROWS} rows, credits 8 (worker defaults); rows/s, median of ${rounds} interleaved rounds`,
  );
  console.log(table(["case", "frame", "rows/s", "range", "rows/CPU-s", "vs 10M", "enc/dec us/frame"], rows));
  profileBreakdown();
}
