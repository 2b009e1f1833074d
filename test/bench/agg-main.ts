import { aggBench } from "./agg.bench.js";

/** `npm run bench:agg`: the aggregation-only benchmark; SABOT_BENCH_EVENTS sets the bids (default 5M). */
aggBench(Number(process.env.SABOT_BENCH_EVENTS ?? 5_000_000));
