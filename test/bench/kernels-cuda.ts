import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Field, Int64, type RecordBatch, Schema } from "apache-arrow";
import { compilePredicate } from "../../runtime/expr/index.js";
import { bitmapIndices, type CudaAddon, cudaAddonOf, GpuKernels } from "../../runtime/kernels/gpu-kernels.js";
import { GpuRouter } from "../../runtime/kernels/gpu-routing.js";
import { loadAddon } from "../../runtime/kernels/native-loader.js";
import { log } from "../../runtime/log.js";
import { BatchInput } from "../../runtime/operators/window/accumulator.js";
import type { AggregateSpec } from "../../runtime/operators/window/aggregate-spec.js";
import {
  CountAccumulator,
  MinMaxAccumulator,
  SumAccumulator,
} from "../../runtime/operators/window/numeric-accumulators.js";
import { int64Data } from "../../runtime/types/builders.js";
import { makeBatch } from "../../runtime/types/column.js";
import { fmt, table } from "./run-case.js";

/**
 * The CUDA column of `npm run bench:kernels`: the engine's window accumulators (count, sum, min,
 * max of an int64 column over 1024 key slots, skewed) and the numeric filter kernel, each on its
 * CPU path (TypeScript; the native CPU addon has no aggregation or filter kernel) and routed to
 * the CUDA kernels, in rows per second per batch size; the bytes each CUDA call moves and the
 * rate that makes; and the smallest batch size from which CUDA stays ahead (the value to give
 * SABOT_GPU_MIN_ROWS). Needs a GPU and the CUDA build (native/build-cuda); otherwise it prints one
 * line saying which is missing. Raw copy timings (pageable vs pinned) and the C++ reference come
 * from the device check, native/cuda/device-check.sh.
 */

const SIZES = [1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22];
const SLOTS = 1024;

/** The CUDA addon to bench: SABOT_NATIVE_PATH if it is a CUDA build, else native/build-cuda. */
function cudaAddon(): { addon: CudaAddon | null; why: string } {
  const path =
    process.env.SABOT_NATIVE_PATH ??
    fileURLToPath(new URL("../../native/build-cuda/sabot_native.node", import.meta.url));
  if (!existsSync(path)) return { addon: null, why: `${path} is not built (bash .ci/cuda.sh builds it)` };
  const addon = loadAddon(path);
  const info = addon.gpuInfo?.();
  if (!info) return { addon: null, why: `${path} has no CUDA kernels` };
  if (info.devices === 0) return { addon: null, why: `no CUDA device: ${info.reason}` };
  return { addon: cudaAddonOf(addon), why: info.name };
}

/** Best seconds of `reps` runs of f. */
function best(reps: number, f: () => void): number {
  f();
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    f();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return t;
}

interface Inputs {
  input: BatchInput;
  batch: RecordBatch;
  slots: Int32Array;
  values: Float64Array;
}

function inputs(n: number): Inputs {
  const values = new Float64Array(n);
  const slots = new Int32Array(n);
  for (let i = 0, x = 20; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const u = x / 2 ** 32;
    slots[i] = Math.min(SLOTS - 1, Math.floor(u ** 6 * SLOTS)); // skewed: a few hot keys
    values[i] = (x % 2001) - 1000;
  }
  const column = int64Data(values);
  const batch = makeBatch(new Schema([new Field("v", new Int64(), true)]), [column], n);
  return { input: new BatchInput([column], n), batch, slots, values };
}

/** count, sum, min, max of column 0, all on one GpuKernels (null: the CPU path). */
function accumulators(gpu: GpuKernels | null) {
  const spec = (fn: AggregateSpec["fn"]): AggregateSpec => ({ fn, column: 0, name: fn, text: `${fn}(v)` });
  const field = new Field("v", new Int64(), true);
  const accs = [
    new CountAccumulator(spec("count"), gpu),
    new SumAccumulator(spec("sum"), field, gpu),
    new MinMaxAccumulator(spec("min"), field, gpu),
    new MinMaxAccumulator(spec("max"), field, gpu),
  ];
  for (const a of accs) a.grow(SLOTS);
  return accs;
}

interface CudaRow {
  kernel: string;
  rows: number;
  cpu: number;
  cuda: number;
  /** Bytes one CUDA call moves between host and device. */
  bytes: number;
}

function measure(gpu: GpuKernels, n: number): CudaRow[] {
  const { input, batch, slots, values } = inputs(n);
  const reps = n >= 1 << 20 ? 5 : 20;
  const cpuAccs = accumulators(null);
  const gpuAccs = accumulators(gpu);
  const fold = (accs: ReturnType<typeof accumulators>) => () => {
    for (const a of accs) a.update(input, slots, n);
  };
  // Rows in: slots (4 B) for count, slots and values (12 B) for sum, min and max. Per-slot state
  // (8 B a slot) both ways: counts; sums and ns; min/max state and their seen counts.
  const aggBytes = n * (4 + 3 * 12) + SLOTS * 8 * 2 * (1 + 2 + 2 + 2);
  const filterBytes = n * 8 + Math.ceil(n / 8);
  // The filter operator's two ways to a selection: the SQL predicate, or the kernel's bitmap.
  const predicate = compilePredicate("v > 0", { schema: batch.schema, keys: [] });
  const cudaFilter = () => {
    const r = gpu.filterCompare(values, null, ">", 0);
    if (r) bitmapIndices(r.bitmap, n, r.count);
  };
  return [
    {
      kernel: "window count+sum+min+max (1024 slots)",
      rows: n,
      cpu: best(reps, fold(cpuAccs)),
      cuda: best(reps, fold(gpuAccs)),
      bytes: aggBytes,
    },
    {
      kernel: "filter v > 0 (int64)",
      rows: n,
      cpu: best(reps, () => predicate.selection(batch)),
      cuda: best(reps, cudaFilter),
      bytes: filterBytes,
    },
  ];
}

/** Smallest size from which CUDA beats the CPU at every larger size, or null. */
function crossover(rows: CudaRow[]): number | null {
  let from: number | null = null;
  for (let i = rows.length - 1; i >= 0 && rows[i].cuda < rows[i].cpu; i--) from = rows[i].rows;
  return from;
}

/** found: the addon to bench and the device's name, or null and why there is none. */
export function cudaBench(found = cudaAddon()): void {
  const { addon, why } = found;
  if (addon === null) {
    console.log(
      `CUDA: no figures here, ${why}; on a GPU machine this prints the CUDA column (and native/cuda/device-check.sh the C++ one)`,
    );
    return;
  }
  const gpu = new GpuKernels(addon, new GpuRouter({ available: true, minRows: 1, log }), true, true);
  const rows = SIZES.flatMap((n) => measure(gpu, n));
  const fallbacks = gpu.counts().find((c) => c.place === "fallback");
  if (fallbacks) throw new Error(`${fallbacks.batches} CUDA calls failed during the benchmark (see the warning above)`);
  console.log(
    `\nCUDA on ${why}: rows per second per batch (best of several calls), CPU = the engine's TypeScript path`,
  );
  console.log(
    table(
      ["kernel", "rows", "CPU", "CUDA", "CUDA/CPU", "bytes moved", "CUDA call GB/s"],
      rows.map((r) => [
        r.kernel,
        r.rows,
        fmt(r.rows / r.cpu),
        fmt(r.rows / r.cuda),
        `${(r.cpu / r.cuda).toFixed(2)}x`,
        fmt(r.bytes),
        (r.bytes / r.cuda / 1e9).toFixed(2),
      ]),
    ),
  );
  for (const kernel of new Set(rows.map((r) => r.kernel))) {
    const from = crossover(rows.filter((r) => r.kernel === kernel));
    console.log(
      from === null
        ? `${kernel}: CUDA does not pay up to ${fmt(SIZES[SIZES.length - 1])} rows per batch`
        : `${kernel}: CUDA pays from ${fmt(from)} rows per batch (SABOT_GPU_MIN_ROWS=${from})`,
    );
  }
}
