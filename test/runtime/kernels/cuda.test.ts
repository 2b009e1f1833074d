import { describe, expect, it, vi } from "vitest";
import { chooseGpu, type GpuAddon, type GpuInfo, logGpuChoice } from "../../../runtime/kernels/cuda.js";
import type { Logger } from "../../../runtime/log.js";

/** The GPU choice: with SABOT_GPU=1, the CUDA kernels when a device and they are there, else why not. */
const info = (over: Partial<GpuInfo>): GpuInfo => ({
  devices: 0,
  name: "",
  reason: "",
  runtimeVersion: 13050,
  driverVersion: 0,
  ...over,
});
const addon = (gpu: GpuInfo | (() => GpuInfo)): GpuAddon => ({
  cuda: true,
  gpuInfo: typeof gpu === "function" ? gpu : () => gpu,
});
const on = { SABOT_GPU: "1" };

describe("chooseGpu", () => {
  it("without SABOT_GPU=1 asks nothing of the addon", () => {
    const gpuInfo = vi.fn(() => info({ devices: 1 }));
    expect(chooseGpu({ cuda: true, gpuInfo }, {})).toMatchObject({ requested: false, useGpu: false, devices: 0 });
    expect(gpuInfo).not.toHaveBeenCalled();
  });

  it("without the addon: CPU kernels, saying the CUDA kernels live in it", () => {
    expect(chooseGpu(null, on)).toMatchObject({
      requested: true,
      useGpu: false,
      reason: expect.stringMatching(/^using CPU kernels: the native addon is not loaded/),
    });
  });

  it("with a CPU-only addon: CPU kernels, saying how to build the CUDA variant", () => {
    expect(chooseGpu({ cuda: false }, on).reason).toBe(
      "using CPU kernels: the native addon has no CUDA kernels (build it with SABOT_CUDA=ON)",
    );
  });

  it("with zero devices: CPU kernels, with the CUDA runtime's reason", () => {
    const reason = "cudaErrorNoDevice: no CUDA-capable device is detected";
    const c = chooseGpu(addon(info({ reason })), on);
    expect(c).toMatchObject({
      requested: true,
      useGpu: false,
      devices: 0,
      reason: `using CPU kernels: no CUDA device: ${reason}`,
    });
    expect(c.info?.runtimeVersion).toBe(13050);
  });

  it("when querying the devices throws: CPU kernels, with the error", () => {
    const c = chooseGpu(
      addon(() => {
        throw new Error("CUDA error 999");
      }),
      on,
    );
    expect(c.reason).toBe("using CPU kernels: querying CUDA devices failed: CUDA error 999");
  });

  it("with a device and the CUDA kernels: uses them, naming the device", () => {
    const gpu = addon(info({ devices: 2, name: "NVIDIA H100 80GB HBM3 (sm_90)" }));
    const c = chooseGpu({ ...gpu, gpuGroupAggregate: () => {}, gpuFilterCompare: () => 0 }, on);
    expect(c).toMatchObject({ requested: true, useGpu: true, devices: 2 });
    expect(c.reason).toBe(
      "using CUDA kernels on NVIDIA H100 80GB HBM3 (sm_90) (2 device(s)) for batches of at least SABOT_GPU_MIN_ROWS rows",
    );
  });

  it("with a device but an addon without the kernel functions: CPU kernels, saying to rebuild", () => {
    const c = chooseGpu(addon(info({ devices: 1, name: "NVIDIA H100 80GB HBM3 (sm_90)" })), on);
    expect(c).toMatchObject({ useGpu: false, devices: 1 });
    expect(c.reason).toBe(
      "using CPU kernels: the native addon lacks gpuGroupAggregate/gpuFilterCompare (rebuild it with SABOT_CUDA=ON)",
    );
  });
});

describe("logGpuChoice", () => {
  const fakeLog = () => ({ info: vi.fn(), warn: vi.fn() });

  it("logs nothing without SABOT_GPU=1", () => {
    const log = fakeLog();
    logGpuChoice(chooseGpu(null, {}), log as unknown as Logger, "/x.node");
    expect(log.info).not.toHaveBeenCalled();
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("warns once, naming SABOT_GPU=1, the reason and the addon", () => {
    const log = fakeLog();
    logGpuChoice(chooseGpu({ cuda: false }, on), log as unknown as Logger, "/x.node");
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ addon: "/x.node", devices: 0 }),
      "SABOT_GPU=1: using CPU kernels: the native addon has no CUDA kernels (build it with SABOT_CUDA=ON)",
    );
  });
});
