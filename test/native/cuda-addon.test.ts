import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { chooseGpu } from "../../runtime/kernels/cuda.js";
import { cudaAddonOf, GpuKernels } from "../../runtime/kernels/gpu-kernels.js";
import { GpuRouter } from "../../runtime/kernels/gpu-routing.js";
import { loadAddon } from "../../runtime/kernels/native-loader.js";
import type { Logger } from "../../runtime/log.js";

/**
 * The CUDA build of the addon (native/build-cuda, built by CI with the PyPI nvcc:
 * `SABOT_CUDA=ON SABOT_NATIVE_BUILD_DIR=build-cuda npm run build:native`) loads on a machine
 * without a GPU, reports zero devices with the CUDA runtime's reason, and a worker asking for the
 * GPU (SABOT_GPU=1) runs the CPU kernels, saying why in its log and metrics. CI must have built
 * it, so there it never skips; elsewhere it skips when the CUDA variant was not built.
 */
const path = fileURLToPath(new URL("../../native/build-cuda/sabot_native.node", import.meta.url));
const built = existsSync(path);
const gpuHere = existsSync("/dev/nvidia0");

describe.skipIf(!built && !process.env.CI)("CUDA build of the native addon", () => {
  it("loads, with the CPU kernels' ABI and the CUDA kernels", () => {
    const addon = loadAddon(path);
    expect(addon.cuda).toBe(true);
    expect(typeof addon.gpuGroupAggregate).toBe("function");
    expect(typeof addon.gpuFilterCompare).toBe("function");
  });

  it.skipIf(gpuHere)("reports zero devices and the CUDA runtime's reason on a machine without a GPU", () => {
    const info = loadAddon(path).gpuInfo?.();
    expect(info).toMatchObject({ devices: 0, name: "" });
    // cudart is linked statically: its version is the build's; without a driver the driver's is 0.
    expect(info?.runtimeVersion).toBeGreaterThanOrEqual(12000);
    // e.g. "cudaErrorInsufficientDriver: CUDA driver version is insufficient ..." (no libcuda) or cudaErrorNoDevice.
    expect(info?.reason).toMatch(/^cudaError\w+: \S/);
    expect(chooseGpu(loadAddon(path), { SABOT_GPU: "1" }).reason).toBe(
      `using CPU kernels: no CUDA device: ${info?.reason}`,
    );
  });

  it.skipIf(gpuHere)("a kernel call without a device throws a SABOT_GPU error and leaves its outputs untouched", () => {
    const addon = loadAddon(path);
    const counts = Float64Array.of(4, 5);
    let err: unknown;
    try {
      addon.gpuGroupAggregate?.(Int32Array.of(0, 1, 1), null, null, 0, 2, null, counts, null, null);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: "SABOT_GPU",
      message: expect.stringMatching(/^CUDA error \d+ .*reruns on the CPU/),
    });
    expect([...counts]).toEqual([4, 5]);
    // Routed as if a device were there, the real addon's error becomes a CPU rerun of the batch.
    const warn = vi.fn();
    const log = { info: () => {}, warn } as unknown as Logger;
    const gpu = new GpuKernels(cudaAddonOf(addon), new GpuRouter({ available: true, minRows: 1, log }), true, true);
    expect(gpu.wants("filterCompare", 3)).toBe(true);
    expect(gpu.filterCompare(Float64Array.of(1, 2, 3), null, ">", 1)).toBeNull();
    expect(gpu.counts()).toContainEqual({ kernel: "filterCompare", place: "fallback", batches: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("checks its arguments before any CUDA call", () => {
    const addon = loadAddon(path);
    const f64 = new Float64Array(2);
    // Well-formed: no argument error (without a device it throws the SABOT_GPU error instead).
    expect(() => addon.gpuGroupAggregate?.(Int32Array.of(0), f64, null, 0, 1, f64, null, null, null)).not.toThrow(
      /must be|need|shorter/,
    );
    expect(() =>
      addon.gpuGroupAggregate?.(Float64Array.of(0) as unknown as Int32Array, null, null, 0, 1, null, f64, null, null),
    ).toThrow(/groups must be an Int32Array/);
    expect(() => addon.gpuGroupAggregate?.(Int32Array.of(0), null, null, 0, 1, f64, null, null, null)).toThrow(
      /sums, mins and maxs need values/,
    );
    expect(() => addon.gpuFilterCompare?.(new Float64Array(17), null, 0, 4, 0, new Uint8Array(2))).toThrow(
      /selection bitmap shorter/,
    );
  });

  it.skipIf(gpuHere)(
    "a SABOT_GPU=1 worker falls back to the CPU kernels, logging why once and exporting it as metrics",
    () => {
      const script = fileURLToPath(new URL("./fixtures/gpu-job.ts", import.meta.url));
      const out = execFileSync(process.execPath, ["--import", "tsx", script], {
        env: { ...process.env, SABOT_GPU: "1", SABOT_NATIVE: "1", SABOT_NATIVE_PATH: path, SABOT_LOG_LEVEL: "info" },
        encoding: "utf8",
      });
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const gpuLogs = lines.filter((l) => String(l.msg).startsWith("SABOT_GPU=1"));
      expect(gpuLogs).toHaveLength(1);
      expect(gpuLogs[0]).toMatchObject({ level: 40, devices: 0, addon: path });
      expect(String(gpuLogs[0].msg)).toMatch(/^SABOT_GPU=1: using CPU kernels: no CUDA device: cudaError\w+: /);
      const result = lines.find((l) => l.result === true) as { impl: string; rows: number; metrics: string[] };
      expect(result).toMatchObject({ impl: "native", rows: 1000 });
      expect(result.metrics).toContain('sabot_kernels_info{impl="native"} 1');
      expect(result.metrics).toContain("sabot_kernels_gpu_devices 0");
      // The operators' batches were routed, and counted on the CPU: two aggregates, one filter.
      expect(result.metrics).toContain('sabot_kernels_gpu_batches_total{kernel="groupAggregate",place="cpu"} 2');
      expect(result.metrics).toContain('sabot_kernels_gpu_batches_total{kernel="filterCompare",place="cpu"} 1');
      expect(result.metrics.filter((m) => m.includes('impl="cuda"'))).toEqual([]);
      expect(result.metrics.find((m) => m.startsWith("sabot_kernels_gpu_fallback_info"))).toMatch(
        /^sabot_kernels_gpu_fallback_info\{reason="using CPU kernels: no CUDA device: cudaError\w+: [^"]+"\} 1$/,
      );
    },
  );
});
