import { type CudaAddon, GpuKernels } from "../../../runtime/kernels/gpu-kernels.js";
import { GpuRouter } from "../../../runtime/kernels/gpu-routing.js";
import type { Logger } from "../../../runtime/log.js";

/**
 * An in-process stand-in for the CUDA entry points of the addon (gpuGroupAggregate,
 * gpuFilterCompare), for UNIT tests of the routing from operators to the kernels on machines
 * without a GPU. A GPU is hardware, not a service these tests talk to, and the real kernels are
 * verified bit for bit on a GPU by the device check (native/cuda/device-check.sh); this fake only
 * follows their contract (native/cuda/gpu_kernels.h): it folds rows in REVERSE order, as unordered
 * GPU atomics might, orders min/max totally (-0 < +0 < NaN), writes the caller's outputs only when
 * it succeeds, and can be told to fail like a CUDA error.
 */
export class FakeCudaAddon {
  readonly calls = { groupAggregate: 0, filterCompare: 0 };
  /** Set to make every call throw, as the addon does on a CUDA error. */
  failWith: string | null = null;

  readonly gpuGroupAggregate: CudaAddon["gpuGroupAggregate"] = (
    groups,
    values,
    validity,
    bitOffset,
    groupCount,
    sums,
    counts,
    mins,
    maxs,
  ) => {
    this.calls.groupAggregate++;
    this.maybeFail();
    if (values === null && (sums || mins || maxs)) throw new RangeError("sums, mins and maxs need values");
    // Work on copies, published at the end: a failed call leaves the outputs untouched.
    const [s, c, lo, hi] = [sums, counts, mins, maxs].map((a) => a?.slice() ?? null);
    for (let i = groups.length - 1; i >= 0; i--) {
      const g = groups[i];
      if (g < 0 || g >= groupCount || !validAt(validity, bitOffset + i)) continue;
      if (c) c[g] += 1;
      if (values === null) continue;
      const v = values[i];
      if (s) s[g] += v;
      if (lo && before(v, lo[g])) lo[g] = v;
      if (hi && before(hi[g], v)) hi[g] = v;
    }
    for (const [out, done] of [
      [sums, s],
      [counts, c],
      [mins, lo],
      [maxs, hi],
    ] as const)
      if (out && done) out.set(done);
  };

  readonly gpuFilterCompare: CudaAddon["gpuFilterCompare"] = (values, validity, bitOffset, op, constant, selection) => {
    this.calls.filterCompare++;
    this.maybeFail();
    selection.fill(0, 0, (values.length + 7) >> 3);
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      if (!validAt(validity, bitOffset + i) || !COMPARE[op](values[i], constant)) continue;
      selection[i >> 3] |= 1 << (i & 7);
      count++;
    }
    return count;
  };

  private maybeFail(): void {
    if (this.failWith === null) return;
    throw Object.assign(new Error(this.failWith), { code: "SABOT_GPU" });
  }
}

const COMPARE: ((v: number, c: number) => boolean)[] = [
  (v, c) => v === c,
  (v, c) => v !== c,
  (v, c) => v < c,
  (v, c) => v <= c,
  (v, c) => v > c,
  (v, c) => v >= c,
];

function validAt(bits: Uint8Array | null, j: number): boolean {
  return bits === null || ((bits[j >> 3] >> (j & 7)) & 1) === 1;
}

/** a before b in the kernels' min/max order: -0 < +0, NaN above everything (and equal to NaN). */
function before(a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return a < b || (a === 0 && b === 0 && 1 / a < 0 && 1 / b > 0);
}

export const quietLog = () => ({ info: () => {}, warn: () => {} }) as unknown as Logger;

/** GpuKernels over the fake: SABOT_GPU=1 with a device, batches of >= minRows rows go to it. */
export function fakeGpuKernels(minRows: number, addon = new FakeCudaAddon(), log = quietLog()): GpuKernels {
  const router = new GpuRouter({ available: true, minRows, log });
  return new GpuKernels(addon, router, true, true);
}

/** GpuKernels as on a worker without SABOT_GPU=1: nothing routed, everything on the CPU. */
export function cpuOnlyKernels(): GpuKernels {
  const router = new GpuRouter({ available: false, minRows: Number.POSITIVE_INFINITY, log: quietLog() });
  return new GpuKernels(null, router, false, false);
}
