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
// Enough events for steady state: a million arrow events are about 0.3 CPU-seconds of q1, most of
// it V8 compiling and sizing its heap (docs/kafka.md, "V8's collector").
if (process.env.SABOT_BENCH_KAFKA !== "0") await kafkaBench({ json: 2_000_000, avro: 2_000_000, arrow: 6_000_000 });
