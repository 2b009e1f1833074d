import { describe, expect, it } from "vitest";
import type { GpuChoice } from "../../../runtime/kernels/cuda.js";
import { bitmapIndices, cudaAddonOf, gpuKernelsFor } from "../../../runtime/kernels/gpu-kernels.js";
import { GpuMinRowsError } from "../../../runtime/kernels/gpu-routing.js";
import { FakeCudaAddon, fakeGpuKernels } from "./fake-cuda-addon.js";

/** GpuKernels: routing, the fallback contract, and the bitmap helper (fake addon: fake-cuda-addon.ts). */
const choice = (over: Partial<GpuChoice>): GpuChoice => ({
  requested: true,
  useGpu: true,
  devices: 1,
  reason: "using CUDA kernels on fake",
  info: null,
  ...over,
});
const addon = (fake = new FakeCudaAddon()) => ({ cuda: true, ...fake });

describe("gpuKernelsFor", () => {
  it("without SABOT_GPU=1 routes nothing, counts nothing, and never reads SABOT_GPU_MIN_ROWS", () => {
    const k = gpuKernelsFor(choice({ requested: false, useGpu: false }), addon(), { SABOT_GPU_MIN_ROWS: "oops" });
    expect(k.wants("groupAggregate", 1 << 24)).toBe(false);
    expect(k.counts()).toEqual([]);
    expect(k.inUse).toBe(false);
  });

  it("with SABOT_GPU=1 and no usable GPU counts every batch on the CPU", () => {
    const k = gpuKernelsFor(choice({ useGpu: false, reason: "using CPU kernels: no CUDA device" }), null, {});
    expect(k.wants("filterCompare", 1 << 24)).toBe(false);
    expect(k.counts()).toEqual([{ kernel: "filterCompare", place: "cpu", batches: 1 }]);
  });

  it("with a device routes by SABOT_GPU_MIN_ROWS, and rejects a bad value at construction", () => {
    const k = gpuKernelsFor(choice({}), addon(), { SABOT_GPU_MIN_ROWS: "500" });
    expect(k.inUse).toBe(true);
    expect([k.wants("groupAggregate", 499), k.wants("groupAggregate", 500)]).toEqual([false, true]);
    expect(() => gpuKernelsFor(choice({}), addon(), { SABOT_GPU_MIN_ROWS: "0" })).toThrow(GpuMinRowsError);
  });

  it("finds the CUDA entry points only in an addon built with them", () => {
    expect(cudaAddonOf({ cuda: false })).toBeNull();
    expect(cudaAddonOf(null)).toBeNull();
    expect(cudaAddonOf(addon())).not.toBeNull();
  });
});

describe("GpuKernels", () => {
  it("a failed call leaves the outputs as they were and counts a fallback", () => {
    const fake = new FakeCudaAddon();
    const k = fakeGpuKernels(1, fake);
    const counts = Float64Array.of(5, 6);
    expect(k.wants("groupAggregate", 3)).toBe(true);
    expect(k.groupAggregate(Int32Array.of(0, 1, 1), 3, null, null, 2, { counts })).toBe(true);
    expect([...counts]).toEqual([6, 8]);
    fake.failWith = "CUDA error 2";
    expect(k.wants("groupAggregate", 3)).toBe(true);
    expect(k.groupAggregate(Int32Array.of(0, 1, 1), 3, null, null, 2, { counts })).toBe(false);
    expect([...counts]).toEqual([6, 8]);
    expect(k.counts()).toEqual([
      { kernel: "groupAggregate", place: "cuda", batches: 1 },
      { kernel: "groupAggregate", place: "cpu", batches: 1 },
      { kernel: "groupAggregate", place: "fallback", batches: 1 },
    ]);
  });

  it("filterCompare returns the selection as a bitmap and its count, honouring validity and offsets", () => {
    const k = fakeGpuKernels(1);
    const values = Float64Array.of(1, 5, Number.NaN, 7, 9, 3);
    // Rows 0..5 are bits 3..8 (offset 3); bit 6 (row 3, value 7) is clear: that row is null.
    const validity = { bitmap: Uint8Array.of(0b1011_1000, 0b1), offset: 3 };
    const r = k.filterCompare(values, validity, ">", 4);
    expect(r?.count).toBe(2);
    expect([...bitmapIndices(r!.bitmap, values.length, r!.count)]).toEqual([1, 4]);
  });
});

describe("bitmapIndices", () => {
  it("lists set bits in order, ignoring bits past n", () => {
    expect([...bitmapIndices(Uint8Array.of(0b1000_0101, 0b1111_1111), 10, 4)]).toEqual([0, 2, 7, 8]);
    expect([...bitmapIndices(new Uint8Array(4), 30, 0)]).toEqual([]);
  });
});
