import { checkpointsBench } from "./checkpoints.bench.js";

/** `npm run bench:checkpoints`: only the checkpoint benchmarks (SABOT_BENCH_EVENTS scales q7). */
checkpointsBench(Number(process.env.SABOT_BENCH_EVENTS ?? 5_000_000));
