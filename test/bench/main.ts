import { nexmarkBench } from "./nexmark.bench.js";

/** `npm run bench`: every benchmark, printing figures and ratios (no pass/fail thresholds). */
const events = Number(process.env.SABOT_BENCH_EVENTS ?? 5_000_000);
nexmarkBench(events);
