import { log } from "../log.js";
import { chooseGpu, type GpuChoice, logGpuChoice } from "./cuda.js";
import { chooseKernels, type KernelChoice, type NativeAddon } from "./native-loader.js";

/**
 * The process-wide kernel choice, made once when the first kernel module loads and logged then.
 * Kernels call `native` (null = TypeScript); the metrics registry exports `kernelChoice.impl` as
 * sabot_kernels_info{impl}. A failed load never stops the engine: it logs why and runs TypeScript
 * (at error level when SABOT_NATIVE=1 asked for native, so a misbuilt image is noticed).
 */
export const kernelChoice: KernelChoice = chooseKernels();

export const native: NativeAddon | null = kernelChoice.addon;

/**
 * Batches below this many rows stay in TypeScript: a Node-API call costs about as much as
 * hashing a few dozen rows, so tiny batches gain nothing.
 */
export const NATIVE_MIN_ROWS = 64;

{
  const fields = { kernels: kernelChoice.impl, reason: kernelChoice.reason, addon: kernelChoice.path };
  const msg = `kernels: ${kernelChoice.impl} (${kernelChoice.reason})`;
  if (kernelChoice.impl === "typescript" && process.env.SABOT_NATIVE === "1") log.error(fields, msg);
  else if (kernelChoice.impl === "typescript" && kernelChoice.reason !== "SABOT_NATIVE=0") log.warn(fields, msg);
  else log.info(fields, msg);
}

/**
 * SABOT_GPU=1 (the operator sets it on GPU jobs): whether the CUDA kernels (CUDA builds of the
 * addon, native/cuda/) and a GPU are present, logged once (cuda.ts). When they are, the window
 * accumulators and the numeric filter send batches of at least SABOT_GPU_MIN_ROWS rows to them
 * (gpu-kernels.ts); otherwise the log line says why every batch stays on the CPU kernels.
 */
export const gpuChoice: GpuChoice = chooseGpu(native);
logGpuChoice(gpuChoice, log, kernelChoice.path);
