import type { Logger } from "../log.js";

/**
 * The per-batch choice between the CUDA kernels and the CPU kernels, made for every batch the
 * window accumulators and the numeric filter hand to GpuKernels (gpu-kernels.ts). A batch goes to the GPU
 * when a device is usable and the batch has at least SABOT_GPU_MIN_ROWS rows, because below that
 * the host<->device copies cost more than the kernel saves. Each (kernel, choice) is logged once,
 * and every batch is counted, so the choice is visible without a log line per batch.
 */

/**
 * A guess, never measured: no GPU has run the device check (native/cuda/device-check.sh) yet.
 * It is where a PCIe copy of one batch's input (~12 bytes a row) should stop outweighing a CPU
 * pass; replace it with the crossover the device check prints ("GPU pays from N rows").
 */
export const DEFAULT_GPU_MIN_ROWS = 1 << 20;

export type GpuKernel = "groupAggregate" | "filterCompare";
export type KernelPlace = "cuda" | "cpu";
/** Batches of one kernel at one place ("fallback": CUDA calls that failed and reran on the CPU). */
export interface GpuBatchCount {
  kernel: GpuKernel;
  place: KernelPlace | "fallback";
  batches: number;
}

export class GpuMinRowsError extends Error {
  constructor(value: string) {
    super(
      `SABOT_GPU_MIN_ROWS must be a whole number of rows >= 1, got "${value}"; unset it for the default ${DEFAULT_GPU_MIN_ROWS}`,
    );
    this.name = "GpuMinRowsError";
  }
}

/** SABOT_GPU_MIN_ROWS, or the default when unset or empty; throws GpuMinRowsError otherwise. */
export function gpuMinRows(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SABOT_GPU_MIN_ROWS?.trim() ?? "";
  if (raw === "") return DEFAULT_GPU_MIN_ROWS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new GpuMinRowsError(raw);
  return n;
}

export interface GpuRouterOptions {
  /** A device is present and the CUDA kernels are loaded. */
  available: boolean;
  /** Why not, when not available (GpuChoice.reason). */
  unavailableReason?: string;
  minRows: number;
  log: Logger;
}

export class GpuRouter {
  private readonly batches = new Map<string, number>();
  private readonly logged = new Set<string>();

  constructor(private readonly opts: GpuRouterOptions) {}

  /** Where a batch of `rows` rows runs; counted, and logged the first time per kernel and place. */
  route(kernel: GpuKernel, rows: number): KernelPlace {
    const place: KernelPlace = this.opts.available && rows >= this.opts.minRows ? "cuda" : "cpu";
    const why = !this.opts.available
      ? (this.opts.unavailableReason ?? "no usable GPU")
      : place === "cuda"
        ? `batches of >= ${this.opts.minRows} rows, SABOT_GPU_MIN_ROWS`
        : `batches under ${this.opts.minRows} rows, SABOT_GPU_MIN_ROWS`;
    this.count(kernel, place);
    this.once(
      `${kernel}/${place}`,
      { kernel, place, rows, minRows: this.opts.minRows },
      `${kernel}: ${place} kernels (${why})`,
    );
    return place;
  }

  /** A CUDA call failed: the caller reruns the batch on the CPU; counted, the first failure logged. */
  fellBack(kernel: GpuKernel, err: unknown): void {
    this.batches.set(`${kernel}/cuda`, (this.batches.get(`${kernel}/cuda`) ?? 0) - 1);
    this.count(kernel, "cpu");
    this.count(kernel, "fallback");
    const msg = err instanceof Error ? err.message : String(err);
    this.once(
      `${kernel}/fallback`,
      { kernel, err: msg },
      `${kernel}: a CUDA call failed, the batch ran on the CPU kernels (${msg})`,
      true,
    );
  }

  /** Batches per kernel and place ("cuda", "cpu", and "fallback": CUDA failures rerun on the CPU). */
  counts(): GpuBatchCount[] {
    return [...this.batches].map(([key, batches]) => {
      const [kernel, place] = key.split("/") as [GpuKernel, KernelPlace | "fallback"];
      return { kernel, place, batches };
    });
  }

  private count(kernel: GpuKernel, place: KernelPlace | "fallback"): void {
    const key = `${kernel}/${place}`;
    this.batches.set(key, (this.batches.get(key) ?? 0) + 1);
  }

  private once(key: string, fields: Record<string, unknown>, msg: string, warn = false): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    if (warn) this.opts.log.warn(fields, msg);
    else this.opts.log.info(fields, msg);
  }
}
