import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import type { DistributedResult } from "./distributed-case.js";
import { type ChainedRun, chainedJob, q7Manifest } from "./distributed-job.js";
import { peakRssMiB } from "./peak-memory.js";

/**
 * The ceiling for `parts` worker processes on this machine: `split-case.ts <parts> <events>` runs
 * the distributed benchmark's q7 as `parts` independent chained processes, each over events/parts
 * bids of its own (a different seed, 4/parts splits), with no exchange and no coordinator. Each
 * process starts, plans and then waits; all are told to go at once, and the time runs from the
 * go to the last one done, so process start-up is excluded as in the cluster runs. What a real
 * split adds (the shuffle, the coordinator, planning at deploy) can only make a cluster slower.
 * Prints one DistributedResult JSON line (mode "split"; cpuSeconds: the parts' jobs together).
 */
interface PartResult extends ChainedRun {
  peakRssMiB: number;
}

const [first, ...rest] = process.argv.slice(2);
process.env.SABOT_LOG_LEVEL ??= "warn";
if (first === "part") await part(Number(rest[0]), Number(rest[1]), Number(rest[2]));
else await launch(Number(first), Number(rest[0]));

/** One part: plans, says "ready", runs on the first line of stdin, prints its PartResult. */
async function part(parts: number, events: number, index: number): Promise<void> {
  tuneCollectorForJobs();
  const job = chainedJob(q7Manifest(Math.round(events / parts), Math.max(1, Math.round(4 / parts)), 1 + index));
  console.log("ready");
  const lines = createInterface({ input: process.stdin });
  await once(lines, "line");
  lines.close();
  const run = await job.run();
  console.log(JSON.stringify({ ...run, peakRssMiB: peakRssMiB() } satisfies PartResult));
}

async function launch(parts: number, events: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: parts }, (_, i) =>
    spawn(process.execPath, ["--import", "tsx", self, "part", String(parts), String(events), String(i)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const outputs = children.map(lastLines);
  await Promise.all(outputs.map((o) => o.ready));
  const t0 = performance.now();
  for (const c of children) c.stdin!.write("go\n");
  const results = await Promise.all(outputs.map((o) => o.result));
  const seconds = (performance.now() - t0) / 1000;
  const result: DistributedResult = {
    mode: "split",
    workers: parts,
    events,
    seconds,
    eventsPerSec: events / seconds,
    outputRows: results.reduce((n, r) => n + r.outputRows, 0),
    exchangedRows: 0,
    exchangedMiB: 0,
    peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
    cpuSeconds: results.reduce((n, r) => n + r.cpuSeconds, 0),
  };
  console.log(JSON.stringify(result));
}

/** A part's "ready" line, then its result (the last line it printed before exiting). */
function lastLines(child: ChildProcess): { ready: Promise<void>; result: Promise<PartResult> } {
  const lines = createInterface({ input: child.stdout! });
  let last = "";
  const ready = new Promise<void>((resolve) =>
    lines.on("line", (line) => {
      if (line === "ready") resolve();
      else last = line;
    }),
  );
  const result = once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`a split part exited with ${String(code)}`);
    return JSON.parse(last) as PartResult;
  });
  return { ready, result };
}
