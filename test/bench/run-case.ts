import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs a benchmark script in a child Node process (isolated heap and peak RSS); returns its JSON line. */
export function runCase<T>(script: string, args: string[], env: Record<string, string> = {}): T {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", "--max-old-space-size=8192", file, ...args], {
    env: { ...process.env, SABOT_LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 2 ** 20,
  });
  const last = out.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as T;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padStart(widths[i])).join("  ")).join("\n");
}

export const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}K` : n.toFixed(0);
