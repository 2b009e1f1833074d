import { describe, expect, it, vi } from "vitest";
import { DEFAULT_GPU_MIN_ROWS, GpuMinRowsError, GpuRouter, gpuMinRows } from "../../../runtime/kernels/gpu-routing.js";
import type { Logger } from "../../../runtime/log.js";

/** The per-batch GPU/CPU choice (used by GpuKernels for the window and filter operators): threshold, log once, counters. */
const fakeLog = () => ({ info: vi.fn(), warn: vi.fn() });
const router = (available: boolean, log = fakeLog()) =>
  new GpuRouter({
    available,
    unavailableReason: "using CPU kernels: no CUDA device: cudaErrorNoDevice",
    minRows: 1000,
    log: log as unknown as Logger,
  });

describe("gpuMinRows", () => {
  it("defaults when SABOT_GPU_MIN_ROWS is unset or empty", () => {
    expect(gpuMinRows({})).toBe(DEFAULT_GPU_MIN_ROWS);
    expect(gpuMinRows({ SABOT_GPU_MIN_ROWS: " " })).toBe(DEFAULT_GPU_MIN_ROWS);
  });

  it("reads a whole number of rows", () => {
    expect(gpuMinRows({ SABOT_GPU_MIN_ROWS: "65536" })).toBe(65536);
  });

  it.each(["0", "-5", "1.5", "lots", "1e400"])("rejects %s, saying what is allowed", (v) => {
    expect(() => gpuMinRows({ SABOT_GPU_MIN_ROWS: v })).toThrow(GpuMinRowsError);
    expect(() => gpuMinRows({ SABOT_GPU_MIN_ROWS: v })).toThrow(/whole number of rows >= 1/);
  });
});

describe("GpuRouter", () => {
  it("sends batches at or above the threshold to CUDA, smaller ones to the CPU", () => {
    const r = router(true);
    expect(r.route("groupAggregate", 999)).toBe("cpu");
    expect(r.route("groupAggregate", 1000)).toBe("cuda");
    expect(r.route("filterCompare", 5000)).toBe("cuda");
  });

  it("keeps every batch on the CPU without a usable GPU, whatever its size", () => {
    expect(router(false).route("groupAggregate", 10_000_000)).toBe("cpu");
  });

  it("logs each kernel's choice once, with the reason, and counts every batch", () => {
    const log = fakeLog();
    const r = router(true, log);
    for (const rows of [10, 20, 5000, 6000, 7000]) r.route("groupAggregate", rows);
    expect(log.info).toHaveBeenCalledTimes(2);
    expect(log.info.mock.calls.map((c) => c[1])).toEqual([
      "groupAggregate: cpu kernels (batches under 1000 rows, SABOT_GPU_MIN_ROWS)",
      "groupAggregate: cuda kernels (batches of >= 1000 rows, SABOT_GPU_MIN_ROWS)",
    ]);
    expect(r.counts()).toEqual([
      { kernel: "groupAggregate", place: "cpu", batches: 2 },
      { kernel: "groupAggregate", place: "cuda", batches: 3 },
    ]);
  });

  it("says why the GPU is not used when it is unavailable", () => {
    const log = fakeLog();
    router(false, log).route("filterCompare", 1);
    expect(log.info).toHaveBeenCalledWith(
      expect.objectContaining({ kernel: "filterCompare", place: "cpu" }),
      "filterCompare: cpu kernels (using CPU kernels: no CUDA device: cudaErrorNoDevice)",
    );
  });

  it("a failed CUDA call moves that batch to the CPU count and warns once", () => {
    const log = fakeLog();
    const r = router(true, log);
    r.route("filterCompare", 2000);
    r.fellBack("filterCompare", new Error("CUDA error 2"));
    r.route("filterCompare", 2000);
    r.fellBack("filterCompare", new Error("CUDA error 2"));
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][1]).toBe(
      "filterCompare: a CUDA call failed, the batch ran on the CPU kernels (CUDA error 2)",
    );
    expect(r.counts()).toEqual([
      { kernel: "filterCompare", place: "cuda", batches: 0 },
      { kernel: "filterCompare", place: "cpu", batches: 2 },
      { kernel: "filterCompare", place: "fallback", batches: 2 },
    ]);
  });
});
