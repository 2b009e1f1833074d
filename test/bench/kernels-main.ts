import { kernelsBench } from "./kernels.bench.js";

/** `npm run bench:kernels`: only the native-kernel benchmark (SABOT_BENCH_EVENTS scales it). */
kernelsBench(Number(process.env.SABOT_BENCH_EVENTS ?? 5_000_000));
