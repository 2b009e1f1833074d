import { aggBench } from "./agg.bench.js";
import { checkpointsBench } from "./checkpoints.bench.js";
import { distributedBench } from "./distributed.bench.js";
import { exchangeBench } from "./exchange.bench.js";
import { kafkaBench } from "./kafka.bench.js";
import { kernelsBench } from "./kernels.bench.js";
import { nexmarkBench } from "./nexmark.bench.js";
import { nexmarkSqlBench } from "./nexmark-sql.bench.js";

/**
 * `npm run bench`: every benchmark, printing figures and ratios (no pass/fail thresholds).
 * SABOT_BENCH_EVENTS scales the generator cases; SABOT_BENCH_KAFKA=0 skips the Kafka cases.
 */
const events = Number(process.env.SABOT_BENCH_EVENTS ?? 5_000_000);
nexmarkBench(events);
nexmarkSqlBench(Math.min(events, 1_000_000));
kernelsBench(events);
aggBench(events);
distributedBench(Math.min(events, 3_000_000));
exchangeBench();
checkpointsBench(events);
if (process.env.SABOT_BENCH_KAFKA !== "0") await kafkaBench({ json: 500_000, avro: 500_000, arrow: 2_000_000 });
