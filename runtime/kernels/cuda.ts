import type { Logger } from "../log.js";

/**
 * Whether a worker runs the CUDA kernels (native/cuda/, in CUDA builds of the addon), or why its
 * batches run on the CPU kernels instead. SABOT_GPU=1 (the operator sets it on GPU jobs) asks for
 * the GPU; with a device and an addon that has the CUDA kernels, the answer is yes, and then each
 * batch is routed by size (gpu-routing.ts, gpu-kernels.ts). Without a device the reason is the
 * CUDA runtime's own (cudaGetDeviceCount's error). `native.ts` makes the choice once per process
 * and logs it; the metrics registry exports it (sabot_kernels_info{impl="cuda"},
 * sabot_kernels_gpu_devices, sabot_kernels_gpu_fallback_info).
 */

/** What the addon's gpuInfo() reports (native/src/gpu_addon.cc). */
export interface GpuInfo {
  devices: number;
  /** Device 0's name and compute capability, "" without a device. */
  name: string;
  /** Why devices is 0 (cudaGetDeviceCount's error name and text), "" otherwise. */
  reason: string;
  /** The linked CUDA runtime, 1000 * major + 10 * minor. */
  runtimeVersion: number;
  /** The newest CUDA the driver supports, 0 without a driver. */
  driverVersion: number;
}

/** The part of the addon (NativeAddon in native-loader.ts) this module reads. */
export interface GpuAddon {
  readonly cuda: boolean;
  gpuInfo?(): GpuInfo;
  gpuGroupAggregate?: unknown;
  gpuFilterCompare?: unknown;
}

export interface GpuChoice {
  /** SABOT_GPU=1. */
  requested: boolean;
  /** A device is there and the addon has the CUDA kernels: batches may go to the GPU. */
  useGpu: boolean;
  /** CUDA devices the addon sees (0 when it has no CUDA kernels). */
  devices: number;
  /** Why batches run where they do; starts with "using CPU kernels" whenever the GPU is not used. */
  reason: string;
  info: GpuInfo | null;
}

/** Decides from SABOT_GPU and what the addon reports; never throws. */
export function chooseGpu(addon: GpuAddon | null, env: NodeJS.ProcessEnv = process.env): GpuChoice {
  const cpu = (reason: string, info: GpuInfo | null = null): GpuChoice => ({
    requested: true,
    useGpu: false,
    devices: info?.devices ?? 0,
    reason: `using CPU kernels: ${reason}`,
    info,
  });
  if (env.SABOT_GPU !== "1")
    return { requested: false, useGpu: false, devices: 0, reason: "SABOT_GPU is not 1", info: null };
  if (addon === null) return cpu("the native addon is not loaded, and the CUDA kernels are part of it");
  if (!addon.cuda || !addon.gpuInfo) return cpu("the native addon has no CUDA kernels (build it with SABOT_CUDA=ON)");
  let info: GpuInfo;
  try {
    info = addon.gpuInfo();
  } catch (err) {
    return cpu(`querying CUDA devices failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (info.devices === 0) return cpu(`no CUDA device: ${info.reason || "cudaGetDeviceCount found none"}`, info);
  if (typeof addon.gpuGroupAggregate !== "function" || typeof addon.gpuFilterCompare !== "function")
    return cpu("the native addon lacks gpuGroupAggregate/gpuFilterCompare (rebuild it with SABOT_CUDA=ON)", info);
  return {
    requested: true,
    useGpu: true,
    devices: info.devices,
    reason: `using CUDA kernels on ${info.name} (${info.devices} device(s)) for batches of at least SABOT_GPU_MIN_ROWS rows`,
    info,
  };
}

/** The start-up line: a warning when SABOT_GPU=1 asked for a GPU that is not used. */
export function logGpuChoice(choice: GpuChoice, log: Logger, addonPath: string): void {
  if (!choice.requested) return;
  const fields = { gpu: choice.info, devices: choice.devices, reason: choice.reason, addon: addonPath };
  const msg = `SABOT_GPU=1: ${choice.reason}`;
  if (choice.useGpu) log.info(fields, msg);
  else log.warn(fields, msg);
}
