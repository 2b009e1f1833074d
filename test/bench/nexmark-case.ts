import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { CollectingSink } from "../helpers/collecting-sink.js";
import { ROW_QUERIES } from "./baseline/row-queries.js";
import { nexmarkPlan } from "./nexmark-plan.js";
import { peakRssMiB } from "./peak-memory.js";

/**
 * One benchmark case in a fresh process (so peak memory is the case's own):
 * `nexmark-case.ts <q0|q1|q2|q7|q8> <columnar|row> <events>`; prints one JSON line.
 */
export interface CaseResult {
  query: string;
  impl: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** Events per second of this process's CPU time (user + system). */
  eventsPerCpuSec: number;
  outputRows: number;
  peakRssMiB: number;
}

async function columnar(query: string, events: number): Promise<number> {
  const sink = new CollectingSink(false);
  const plan = nexmarkPlan(query, events);
  await new LocalJob(plan, { sinks: { [plan.sinks[0].name]: sink } }).run();
  return sink.rows;
}

async function main(): Promise<void> {
  const [query, impl, eventsArg] = process.argv.slice(2);
  // This process runs the job, as `sabot run` would.
  tuneCollectorForJobs();
  const events = Number(eventsArg);
  process.env.SABOT_LOG_LEVEL ??= "warn";
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const outputRows = impl === "row" ? ROW_QUERIES[query](events) : await columnar(query, events);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const result: CaseResult = {
    query,
    impl,
    events,
    seconds,
    eventsPerSec: events / seconds,
    eventsPerCpuSec: events / ((cpu.user + cpu.system) / 1e6),
    outputRows,
    peakRssMiB: peakRssMiB(),
  };
  console.log(JSON.stringify(result));
}

await main();
