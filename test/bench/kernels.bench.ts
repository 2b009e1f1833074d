import { chooseKernels } from "../../runtime/kernels/native-loader.js";
import type { DuckDbResult } from "./duckdb-case.js";
import { cudaBench } from "./kernels-cuda.js";
import type { E2eResult } from "./kernels-e2e-case.js";
import { KERNEL_CASES, type KernelFigure } from "./kernels-micro.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * Native kernels (native/, issue 9): each kernel with TypeScript vs native on the same batches,
 * then Nexmark q5/q7/q8 end to end with SABOT_NATIVE=0 vs 1 (each in its own process, one core),
 * then the q7 aggregation in DuckDB as a reference. A kernel is used natively only when it
 * measures >= 2x here. Then, where a GPU and the CUDA build are present, the CUDA column
 * (kernels-cuda.ts: window accumulators and the numeric filter, CPU path vs routed to CUDA, per
 * batch size, bytes moved, crossover); elsewhere one line saying why there is none. The device
 * check (native/cuda/device-check.sh, C++, on a GPU machine) adds the C++ reference and raw copy
 * timings. `npm run bench:kernels` runs just this part.
 */
export function kernelsBench(events: number): void {
  const choice = chooseKernels({ env: { ...process.env, SABOT_NATIVE: "1" } });
  const addon = choice.addon;
  if (addon === null) console.log(`\nnative kernels not built (${choice.reason}); showing TypeScript figures only`);
  const batches = String(Math.max(8, Math.min(64, Math.ceil(events / 16_384 / 8))));
  const figures = Array.from({ length: KERNEL_CASES }, (_, i) =>
    runCase<KernelFigure>("./kernels-micro-case.ts", [String(i), batches]),
  );
  const ratio = (n: number | null, t: number) => (n === null ? "-" : `${(n / t).toFixed(2)}x`);
  console.log(`\nKernels on Nexmark batches (16,384 rows), rows per CPU-second (best of 5 alternating rounds)`);
  console.log(
    table(
      ["kernel", "TypeScript", "native", "native/TS", "engine uses"],
      figures.map((f) => [
        f.kernel,
        fmt(f.tsRowsPerSec),
        f.nativeRowsPerSec === null ? "-" : fmt(f.nativeRowsPerSec),
        ratio(f.nativeRowsPerSec, f.tsRowsPerSec),
        f.engine,
      ]),
    ),
  );
  console.log("(engine uses: what jobs run with native kernels on; native only where it measured >= 2x)");
  cudaBench();

  // Events per CPU-second, best of two runs each, so a busy moment on a shared machine hits both alike.
  const best = (q: string, mode: string, warmup = 0) => {
    const runs = [0, 1].map(() =>
      runCase<E2eResult>("./kernels-e2e-case.ts", [q, String(events), String(warmup)], { SABOT_NATIVE: mode }),
    );
    return runs[0].eventsPerCpuSec >= runs[1].eventsPerCpuSec ? runs[0] : runs[1];
  };
  const rows: (string | number)[][] = [];
  for (const q of ["q5", "q7", "q8"]) {
    const ts = best(q, "0");
    const nat = addon ? best(q, "1") : null;
    // The same job after a warm-up job in its process: the steady state of a long-running job.
    const warm = best(q, addon ? "1" : "0", Math.ceil(events / 2));
    if (nat && nat.outputRows !== ts.outputRows)
      throw new Error(`${q}: native kernels gave ${nat.outputRows} rows, TypeScript ${ts.outputRows}`);
    if (nat && nat.impl !== "native") throw new Error(`${q}: SABOT_NATIVE=1 ran ${nat.impl} kernels`);
    rows.push([
      q,
      fmt(ts.eventsPerCpuSec),
      nat ? fmt(nat.eventsPerCpuSec) : "-",
      ratio(nat?.eventsPerCpuSec ?? null, ts.eventsPerCpuSec),
      fmt(warm.eventsPerCpuSec),
      ts.outputRows,
    ]);
  }
  const duck = runCase<DuckDbResult>("./duckdb-case.ts", [String(events)]);
  console.log(
    `\nNexmark end to end, ${fmt(events)} events, events per CPU-second (q5: its sliding-window count stage; warm: after a job of ${fmt(Math.ceil(events / 2))} events in the same process)`,
  );
  console.log(
    table(["query", "TypeScript", "native", "native/TS", `${addon ? "native" : "TypeScript"}, warm`, "out rows"], rows),
  );
  console.log(
    duck.available
      ? `DuckDB ${duck.version}, q7's aggregation on the same bids (1 thread, query only): ${fmt(duck.eventsPerCpuSec)} events per CPU-second (${fmt(duck.eventsPerSec)}/s wall), ${duck.outputRows} rows`
      : `DuckDB reference skipped: ${duck.reason}`,
  );
}
