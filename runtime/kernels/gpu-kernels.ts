import { log } from "../log.js";
import type { GpuChoice } from "./cuda.js";
import { type GpuBatchCount, type GpuKernel, GpuRouter, gpuMinRows } from "./gpu-routing.js";
import { gpuChoice, native } from "./native.js";
import type { NativeAddon } from "./native-loader.js";

/**
 * What operators call to run a batch on the CUDA kernels: `wants` routes the batch (GpuRouter:
 * SABOT_GPU=1, a device, at least SABOT_GPU_MIN_ROWS rows), then `groupAggregate` or
 * `filterCompare` runs it and says whether it did. false means the caller runs its own CPU loop:
 * the CUDA call failed (counted as a fallback, the first failure logged) and, because the kernels
 * write the caller's arrays only when a call succeeds, nothing was half done.
 *
 * Without SABOT_GPU=1 nothing is routed, counted or logged: `wants` is false at once.
 */

/** The addon's CUDA entry points (NativeAddon, CUDA builds); tests pass an in-process fake. */
export type CudaAddon = Required<Pick<NativeAddon, "gpuGroupAggregate" | "gpuFilterCompare">>;

/** An Arrow validity bitmap and the bit of row 0 (the column's offset). */
export interface ValidityBits {
  bitmap: Uint8Array;
  offset: number;
}

/** Per-slot state to accumulate into; absent ones are not computed (see gpu_kernels.h). */
export interface AggregateOutputs {
  sums?: Float64Array;
  counts?: Float64Array;
  /** Fresh slots hold NaN (the top of the min/max order). */
  mins?: Float64Array;
  /** Fresh slots hold -Infinity. */
  maxs?: Float64Array;
}

/** Numeric comparison codes of the kernels (kernel_ops.h). */
export const COMPARE_OPS = { "=": 0, "<>": 1, "<": 2, "<=": 3, ">": 4, ">=": 5 } as const;
export type CompareOpName = keyof typeof COMPARE_OPS;

export class GpuKernels {
  constructor(
    /** null when SABOT_GPU=1 was not asked for, or the addon has no CUDA kernels. */
    private readonly addon: CudaAddon | null,
    readonly router: GpuRouter,
    /** SABOT_GPU=1: route (and count) batches at all. */
    readonly requested: boolean,
    /** A device is there and the CUDA kernels are loaded: batches can go to the GPU. */
    readonly inUse: boolean,
  ) {}

  /** Whether this batch should run on the GPU; counted and logged by the router. */
  wants(kernel: GpuKernel, rows: number): boolean {
    return this.requested && this.router.route(kernel, rows) === "cuda";
  }

  /** Folds rows 0..n-1 into `out` by slot; false: run the CPU loop instead. */
  groupAggregate(
    slots: Int32Array,
    n: number,
    values: Float64Array | null,
    validity: ValidityBits | null,
    groupCount: number,
    out: AggregateOutputs,
  ): boolean {
    if (this.addon === null) return false;
    try {
      this.addon.gpuGroupAggregate(
        slots.subarray(0, n),
        values?.subarray(0, n) ?? null,
        validity?.bitmap ?? null,
        validity?.offset ?? 0,
        groupCount,
        out.sums ?? null,
        out.counts ?? null,
        out.mins ?? null,
        out.maxs ?? null,
      );
      return true;
    } catch (err) {
      this.router.fellBack("groupAggregate", err);
      return false;
    }
  }

  /**
   * The rows where values[i] <op> constant and the row is valid, as an Arrow bitmap and its
   * number of set bits; null: run the CPU predicate instead.
   */
  filterCompare(
    values: Float64Array,
    validity: ValidityBits | null,
    op: CompareOpName,
    constant: number,
  ): { bitmap: Uint8Array; count: number } | null {
    if (this.addon === null) return null;
    const bitmap = new Uint8Array((values.length + 7) >> 3);
    try {
      const count = this.addon.gpuFilterCompare(
        values,
        validity?.bitmap ?? null,
        validity?.offset ?? 0,
        COMPARE_OPS[op],
        constant,
        bitmap,
      );
      return { bitmap, count };
    } catch (err) {
      this.router.fellBack("filterCompare", err);
      return null;
    }
  }

  /** Batches per kernel and place, for sabot_kernels_gpu_batches_total. */
  counts(): GpuBatchCount[] {
    return this.router.counts();
  }
}

/** The set bits of an Arrow bitmap over rows 0..n-1, as row indices (count: how many are set). */
export function bitmapIndices(bitmap: Uint8Array, n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let k = 0;
  for (let byte = 0; byte < bitmap.length && k < count; byte++) {
    let b = bitmap[byte];
    while (b !== 0) {
      const bit = 31 - Math.clz32(b & -b);
      const i = byte * 8 + bit;
      if (i < n) out[k++] = i;
      b &= b - 1;
    }
  }
  return out;
}

/** The CUDA entry points of an addon, or null when it has none. */
export function cudaAddonOf(addon: Partial<NativeAddon> | null): CudaAddon | null {
  if (!addon?.cuda || !addon.gpuGroupAggregate || !addon.gpuFilterCompare) return null;
  return { gpuGroupAggregate: addon.gpuGroupAggregate, gpuFilterCompare: addon.gpuFilterCompare };
}

/** GpuKernels for a process's GPU choice (cuda.ts) and addon; reads SABOT_GPU_MIN_ROWS. */
export function gpuKernelsFor(
  choice: GpuChoice,
  addon: Partial<NativeAddon> | null,
  env: NodeJS.ProcessEnv = process.env,
): GpuKernels {
  const cuda = choice.useGpu ? cudaAddonOf(addon) : null;
  const router = new GpuRouter({
    available: cuda !== null,
    unavailableReason: choice.reason,
    minRows: choice.requested ? gpuMinRows(env) : Number.POSITIVE_INFINITY,
    log,
  });
  return new GpuKernels(cuda, router, choice.requested, cuda !== null);
}

let processKernels: GpuKernels | null = null;

/**
 * This process's GpuKernels, made on first use (an operator's construction, so a bad
 * SABOT_GPU_MIN_ROWS fails the job's start with GpuMinRowsError, not a batch).
 */
export function processGpuKernels(): GpuKernels {
  processKernels ??= gpuKernelsFor(gpuChoice, native);
  return processKernels;
}

/** What the metrics registry reads (sabot_kernels_info{impl="cuda"}, sabot_kernels_gpu_batches_total). */
export interface GpuBatchSource {
  readonly inUse: boolean;
  counts(): GpuBatchCount[];
}

/** The process's: CUDA in use per the start-up choice, counts once an operator made its kernels. */
export const processGpuBatches: GpuBatchSource = {
  get inUse(): boolean {
    return gpuChoice.useGpu;
  },
  counts(): GpuBatchCount[] {
    return processKernels?.counts() ?? [];
  },
};
