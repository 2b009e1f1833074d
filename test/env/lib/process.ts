import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./wait.js";

export interface ServerProcess {
  name: string;
  pid: number;
  logFile: string;
}

export interface StartOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Folder where `<name>.log` receives stdout and stderr. */
  logDir: string;
  /** Resolves true once the server accepts requests. */
  ready: () => Promise<boolean>;
  timeoutMs: number;
}

/** Last lines of a log file, for error messages. */
export function tailLog(logFile: string, lines = 40): string {
  if (!existsSync(logFile)) return "(no log)";
  return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a server detached in its own process group (so `stopServer` can kill its children too
 * and `env:down` can stop it from another process), logs to a file, and waits until `ready`.
 */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  child.unref();
  // Without a listener a spawn failure (ENOENT: binary not built) is an unhandled 'error' event
  // that kills the whole test process instead of failing this start.
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${opts.name} (${opts.cmd}): ${(await spawnError).message}`);
  }
  // waitFor treats a throwing check as "not ready yet" and keeps polling, so a server that dies
  // on startup must end the wait from outside; otherwise its error shows only after the timeout.
  // Once it has died the poll reports "done" so the loop stops, and the race has already
  // settled with the exit.
  let exited = false;
  let stopWatching = () => {};
  const died = new Promise<never>((_, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      reject(new Error(`${opts.name} exited during startup with ${signal ? `signal ${signal}` : `code ${code}`}`));
    };
    child.once("exit", onExit);
    stopWatching = () => child.off("exit", onExit);
  });
  const ready = async () => exited || opts.ready();
  try {
    await Promise.race([
      waitFor(ready, { what: `${opts.name} to become ready`, timeoutMs: opts.timeoutMs, intervalMs: 250 }),
      died,
    ]);
    stopWatching();
  } catch (err) {
    stopWatching();
    await stopServer({ name: opts.name, pid, logFile });
    throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${tailLog(logFile)}`);
  }
  return { name: opts.name, pid, logFile };
}

/** SIGTERM the server's process group, then SIGKILL whatever is left after `graceMs`. */
export async function stopServer(p: ServerProcess, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-p.pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signal("SIGKILL");
}
