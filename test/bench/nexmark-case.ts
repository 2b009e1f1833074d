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
  const events = Number(eventsArg);
  process.env.SABOT_LOG_LEVEL ??= "warn";
  const t0 = performance.now();
  const outputRows = impl === "row" ? ROW_QUERIES[query](events) : await columnar(query, events);
  const seconds = (performance.now() - t0) / 1000;
  const result: CaseResult = {
    query,
    impl,
    events,
    seconds,
    eventsPerSec: events / seconds,
    outputRows,
    peakRssMiB: peakRssMiB(),
  };
  console.log(JSON.stringify(result));
}

await main();
