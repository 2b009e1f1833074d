import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Loads the optional native kernels (native/, a Node-API addon built by `npm run build:native`).
 * The engine never needs them: when the addon is missing, stale or broken, kernels run in
 * TypeScript and the reason is logged. SABOT_NATIVE=0 forces TypeScript; SABOT_NATIVE=1 asks for
 * native and logs an error (still falling back, so a job never stops over it) when it can't load.
 * SABOT_NATIVE_PATH points at another .node file (tests use it to simulate a broken addon).
 */

/** The addon's functions: each reads and writes the typed arrays it is given, in place. */
export interface NativeAddon {
  readonly abi: number;
  readonly cuda: boolean;
  hashUtf8(
    acc: Uint32Array,
    offsets: Int32Array,
    bytes: Uint8Array,
    validity: Uint8Array | null,
    bitOffset: number,
  ): void;
  /** seedsZero: acc is all zeros (first key column), letting the addon hash each entry once. */
  hashDict(
    acc: Uint32Array,
    keys: Int32Array,
    dictOffsets: Int32Array,
    dictBytes: Uint8Array,
    validity: Uint8Array | null,
    bitOffset: number,
    seedsZero: boolean,
  ): void;
  hashBool(acc: Uint32Array, bits: Uint8Array, validity: Uint8Array | null, bitOffset: number): void;
  hash64(acc: Uint32Array, values: BigInt64Array | Float64Array, validity: Uint8Array | null, bitOffset: number): void;
  hash32(acc: Uint32Array, values: Int32Array, validity: Uint8Array | null, bitOffset: number): void;
  finalize(acc: Uint32Array): void;
  keyGroups(hashes: Uint32Array, maxParallelism: number, out: Uint16Array): void;
  probeHash(
    hashes: Uint32Array,
    slots: Int32Array,
    mask: number,
    groupHashes: Uint32Array,
    groupCount: number,
    out: Int32Array,
  ): void;
  takeValidity(
    bitmap: Uint8Array,
    bitOffset: number,
    rows: number,
    indices: Int32Array,
    count: number,
    out: Uint8Array,
  ): number;
  takeUtf8Offsets(offsets: Int32Array, indices: Int32Array, count: number, out: Int32Array): number;
  takeUtf8Bytes(
    offsets: Int32Array,
    bytes: Uint8Array,
    indices: Int32Array,
    count: number,
    outOffsets: Int32Array,
    outBytes: Uint8Array,
  ): void;
  takeFixed(src: ArrayBufferView, indices: Int32Array, count: number, out: ArrayBufferView, width: number): void;
  /** CUDA builds only (`cuda` true): devices, device 0's name, why there are none (runtime/kernels/cuda.ts). */
  gpuInfo?(): { devices: number; name: string; reason: string; runtimeVersion: number; driverVersion: number };
  /**
   * CUDA builds only: sums/counts/mins/maxs per dense slot id, accumulated into the outputs (null
   * ones are skipped; values null for counts only). Throws (code SABOT_GPU) on a CUDA error, with
   * the outputs untouched. Semantics: native/cuda/gpu_kernels.h.
   */
  gpuGroupAggregate?(
    groups: Int32Array,
    values: Float64Array | null,
    validity: Uint8Array | null,
    bitOffset: number,
    groupCount: number,
    sums: Float64Array | null,
    counts: Float64Array | null,
    mins: Float64Array | null,
    maxs: Float64Array | null,
  ): void;
  /**
   * CUDA builds only: bit i of `selection` (an Arrow bitmap of >= ceil(n / 8) bytes) = values[i]
   * <op> constant on a valid row (op 0..5: =, <>, <, <=, >, >=); returns the number of set bits.
   */
  gpuFilterCompare?(
    values: Float64Array,
    validity: Uint8Array | null,
    bitOffset: number,
    op: number,
    constant: number,
    selection: Uint8Array,
  ): number;
}

/** The ABI this TypeScript was written against (native/src/addon.cc kAbi). */
export const NATIVE_ABI = 1;

export type KernelImpl = "native" | "typescript";

export interface KernelChoice {
  impl: KernelImpl;
  addon: NativeAddon | null;
  /** Why this implementation: shown in the start-up log line. */
  reason: string;
  /** The addon file tried (or loaded). */
  path: string;
}

const REQUIRED: readonly (keyof NativeAddon)[] = [
  "hashUtf8",
  "hashDict",
  "hashBool",
  "hash64",
  "hash32",
  "finalize",
  "keyGroups",
  "probeHash",
  "takeValidity",
  "takeUtf8Offsets",
  "takeUtf8Bytes",
  "takeFixed",
];

/** Where a build puts the addon: native/build from the repo (tsx) or from dist/ (compiled, image). */
export function defaultAddonPath(): string {
  const candidates = ["../../native/build/sabot_native.node", "../../../native/build/sabot_native.node"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** Loads and checks the addon; throws an Error saying what is wrong. */
export function loadAddon(path: string): NativeAddon {
  if (!existsSync(path)) throw new Error(`${path} does not exist (run \`npm run build:native\`)`);
  const addon = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
  if (addon.abi !== NATIVE_ABI)
    throw new Error(
      `${path} has ABI ${String(addon.abi)}, this engine needs ${NATIVE_ABI} (rebuild with \`npm run build:native\`)`,
    );
  const missing = REQUIRED.filter((f) => typeof addon[f] !== "function");
  if (missing.length > 0)
    throw new Error(`${path} lacks ${missing.join(", ")} (rebuild with \`npm run build:native\`)`);
  return addon as NativeAddon;
}

export interface ChooseOptions {
  env?: NodeJS.ProcessEnv;
  /** Addon file; default SABOT_NATIVE_PATH or defaultAddonPath(). */
  path?: string;
}

/** Decides the kernel implementation from the environment and the addon's presence. */
export function chooseKernels(opts: ChooseOptions = {}): KernelChoice {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.SABOT_NATIVE_PATH ?? defaultAddonPath();
  const mode = env.SABOT_NATIVE ?? "";
  if (mode !== "" && mode !== "0" && mode !== "1")
    return {
      impl: "typescript",
      addon: null,
      path,
      reason: `SABOT_NATIVE must be 0 or 1, got "${mode}"; using TypeScript kernels`,
    };
  if (mode === "0") return { impl: "typescript", addon: null, path, reason: "SABOT_NATIVE=0" };
  try {
    const addon = loadAddon(path);
    return { impl: "native", addon, path, reason: mode === "1" ? "SABOT_NATIVE=1" : "addon built and loadable" };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { impl: "typescript", addon: null, path, reason: `native kernels unavailable: ${why}` };
  }
}
