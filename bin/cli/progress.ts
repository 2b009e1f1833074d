import { parseDuration } from "../../runtime/contract/spec/duration.js";
import type { Progress, RunSummary } from "../../runtime/engine/local-job.js";

function rate(n: number, ms: number): string {
  return ms > 0 ? `${human((n * 1000) / ms)}/s` : "-";
}

export function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

function watermarkText(wm: number): string {
  if (wm === Number.NEGATIVE_INFINITY) return "none";
  if (wm === Number.POSITIVE_INFINITY) return "end";
  return new Date(wm).toISOString();
}

/** One progress line: rates since the previous line, totals, and the watermark. */
export function progressLine(p: Progress, prev: Progress | null): string {
  const dt = p.elapsedMs - (prev?.elapsedMs ?? 0);
  const din = p.recordsIn - (prev?.recordsIn ?? 0);
  const dout = p.recordsOut - (prev?.recordsOut ?? 0);
  return `[${(p.elapsedMs / 1000).toFixed(0)}s] in ${human(p.recordsIn)} (${rate(din, dt)})  out ${human(p.recordsOut)} (${rate(dout, dt)})  watermark ${watermarkText(p.watermark)}${p.lag > 0 ? `  lag ${human(p.lag)}` : ""}`;
}

export function summaryText(s: RunSummary): string {
  return [
    `finished (${s.reason}) in ${(s.elapsedMs / 1000).toFixed(2)}s`,
    `  records in:   ${s.recordsIn} (${rate(s.recordsIn, s.elapsedMs)})`,
    `  records out:  ${s.recordsOut}`,
    `  late dropped: ${s.lateRecords}`,
  ].join("\n");
}

/** The options that `sabot run` and `sabot sql` share: record and time limits, progress lines on stderr. */
export function localRunOptions(flags: { maxRecords?: string; duration?: string; quiet?: boolean }): {
  maxRecords?: number;
  durationMs?: number;
  onProgress?: (p: Progress) => void;
} {
  let prev: Progress | null = null;
  return {
    maxRecords: flags.maxRecords !== undefined ? Number(flags.maxRecords) : undefined,
    durationMs: flags.duration !== undefined ? parseDuration(flags.duration) : undefined,
    onProgress: flags.quiet
      ? undefined
      : (p) => {
          process.stderr.write(`${progressLine(p, prev)}\n`);
          prev = p;
        },
  };
}
