import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A host command (ip, iptables, mount, ctr, ...) that the real node's setup or teardown ran and that failed. */
export class HostCommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
  ) {
    super(`\`${command} ${args.join(" ")}\` failed (${exitCode ?? "no exit code"}): ${stderr.trim() || "(no output)"}`);
    this.name = "HostCommandError";
  }
}

/** Runs a host command and returns its stdout; throws HostCommandError with its stderr. */
export async function host(
  command: string,
  args: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { code?: number | string; stderr?: string };
    throw new HostCommandError(command, args, e.code, e.stderr ?? e.message);
  }
}

/**
 * For teardown, which must go on past what is already gone (a bridge deleted by an earlier
 * env:down, a chain never created): runs the command and reports instead of throwing.
 */
export async function hostQuiet(command: string, args: readonly string[]): Promise<boolean> {
  try {
    await host(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Reads a sysctl through /proc; undefined where the kernel does not have it (br_netfilter not loaded). */
export function readSysctl(name: string): string | undefined {
  const path = `/proc/sys/${name.replaceAll(".", "/")}`;
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

/** Writes a sysctl that exists; returns the previous value so teardown can put it back. */
export function writeSysctl(name: string, value: string): string | undefined {
  const before = readSysctl(name);
  if (before !== undefined && before !== value) writeFileSync(`/proc/sys/${name.replaceAll(".", "/")}`, value);
  return before;
}

/** Whether a process is alive and its command line mentions `marker` (guards against pid reuse). */
export function processMatches(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}
