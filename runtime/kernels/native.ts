import { log } from "../log.js";
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
 * SABOT_GPU=1 (the operator sets it on GPU jobs): reports whether the CUDA kernels (CUDA builds of
 * the addon, native/cuda/) and a GPU are present. Operators do not dispatch to them yet (they are
 * exercised by the kernel benchmark on GPU machines), so the CPU kernels above stay in use.
 */
export const gpuInfo: { devices: number; name: string } | null = (() => {
  if (process.env.SABOT_GPU !== "1") return null;
  if (!native?.cuda || !native.gpuInfo) {
    log.warn({ addon: kernelChoice.path }, "SABOT_GPU=1 but the native addon has no CUDA kernels (build with SABOT_CUDA=ON); using CPU kernels");
    return null;
  }
  try {
    const info = native.gpuInfo();
    log.info({ gpu: info }, `SABOT_GPU=1: ${info.devices} CUDA device(s)${info.devices > 0 ? `, ${info.name}` : ""}`);
    return info.devices > 0 ? info : null;
  } catch (err) {
    log.warn({ err }, "SABOT_GPU=1 but querying CUDA devices failed; using CPU kernels");
    return null;
  }
})();
