import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { kernelChoice } from "../../runtime/kernels/native.js";
import { CollectingSink } from "../helpers/collecting-sink.js";
import { nexmarkPlan } from "./nexmark-plan.js";

/**
 * One Nexmark query end to end in a fresh process with the kernels SABOT_NATIVE picks:
 * `kernels-e2e-case.ts <q5|q7|q8> <events> [warm-up events]`; prints one JSON line. Like
 * nexmark-case.ts, plus the process's CPU time: events per CPU-second is the per-core rate even
 * when other processes share the machine (the job runs on one thread; GC helper threads are
 * counted too). With warm-up events, a job of that many events runs first, unmeasured, so the
 * measured job finds its code compiled (a long-running job's steady state, as JMH's warm-up
 * iterations give); without, the measured job pays the JIT's warm-up.
 */
export interface E2eResult {
  query: string;
  impl: string;
  events: number;
  warmupEvents: number;
  seconds: number;
  cpuSeconds: number;
  eventsPerCpuSec: number;
  outputRows: number;
}

const [query, eventsArg, warmupArg] = process.argv.slice(2);
// This process runs the job, as `sabot run` would.
tuneCollectorForJobs();
const events = Number(eventsArg);
const warmup = Number(warmupArg ?? 0);
/** The query over `events` events, into a sink that only counts. */
function jobOf(events: number): { job: LocalJob; sink: CollectingSink } {
  const sink = new CollectingSink(false);
  const plan = nexmarkPlan(query, events);
  return { job: new LocalJob(plan, { sinks: { [plan.sinks[0].name]: sink } }), sink };
}
if (warmup > 0) await jobOf(warmup).job.run();
const { job, sink } = jobOf(events);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await job.run();
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const result: E2eResult = {
  query,
  impl: kernelChoice.impl,
  events,
  warmupEvents: warmup,
  seconds,
  cpuSeconds,
  eventsPerCpuSec: events / cpuSeconds,
  outputRows: sink.rows,
};
console.log(JSON.stringify(result));
