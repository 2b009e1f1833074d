import { readFileSync } from "node:fs";

/** Peak resident memory of this process in MiB (VmHWM), which the OS tracks for us. */
export function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}
