import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds of each live thread of this process: tid → [name, seconds]. Linux only; elsewhere empty. */
function readThreads(): Map<string, [string, number]> {
  const out = new Map<string, [string, number]>();
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // "rdk:broker1", "libuv-worker": numbered threads are grouped by name.
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/[0-9]+$/, "");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime (stat fields 14 and 15) in USER_HZ ticks of 10 ms.
      out.set(tid, [name, (Number(f[11]) + Number(f[12])) / 100]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * Where a phase's CPU goes, by thread name (librdkafka's "rdk:*", libuv's pool, V8's helpers, the
 * main thread): samples every 50 ms, so threads that end before the phase does (a client's, at
 * close) still count, up to their last sample.
 */
export class ThreadCpu {
  private readonly start = readThreads();
  private readonly last = new Map(this.start);
  private readonly timer = setInterval(() => this.sample(), 50);

  private sample(): void {
    for (const [tid, v] of readThreads()) this.last.set(tid, v);
  }

  /** CPU seconds per thread name since construction, largest first. */
  stop(): [string, number][] {
    clearInterval(this.timer);
    this.sample();
    const by = new Map<string, number>();
    for (const [tid, [name, s]] of this.last) by.set(name, (by.get(name) ?? 0) + s - (this.start.get(tid)?.[1] ?? 0));
    return [...by].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  }
}
