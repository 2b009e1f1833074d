import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { processMatches } from "./host.js";
import { nodePaths } from "./paths.js";

/**
 * The real node is one per machine (fixed bridge, address, node name and folders), so a record
 * says which run holds it: a second environment started while one is up must not wipe it, and an
 * environment that crashed must be cleaned by the next one. Its processes are identified by pid
 * and by their command lines naming that run's folder, so a reused pid is never taken for one.
 */
export interface NodeOwner {
  runDir: string;
  /** The process that set the node up (vitest's global setup, or env:up until it exits). */
  starter: ProcessId;
  /**
   * Started by `npm run env:up`, to outlive its starter until `env:down`. Otherwise the node is
   * stale once its starter is gone (a test run that crashed), and the next run cleans it.
   */
  standalone: boolean;
  /** Processes of the node by name (containerd, kubelet, kube-proxy, coredns). */
  pids: Record<string, number>;
  /** Sysctls changed by the node's network setup, with the values to restore. */
  previousSysctls: Record<string, string>;
  /** Whether /var/lib/kubelet existed before the kubelet ran (otherwise teardown removes it). */
  kubeletDefaultRootExisted: boolean;
}

/** A pid with its start time (jiffies since boot), which a reused pid does not share. */
export interface ProcessId {
  pid: number;
  startTime: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function thisProcess(): ProcessId {
  return { pid: process.pid, startTime: startTimeOf(process.pid) ?? "" };
}

export function running(p: ProcessId): boolean {
  return startTimeOf(p.pid) === p.startTime;
}

/** Another environment's real node is running. */
export class RealNodeBusyError extends Error {
  constructor(
    readonly runDir: string,
    /** Held by an `env:up` environment, which keeps it until `env:down`: not worth waiting for. */
    readonly standalone: boolean,
  ) {
    super(
      `the real node is in use by the test environment in ${runDir}; one real node per machine. ` +
        `Stop it with \`npm run env:down -- ${runDir}/env.json\`, or reuse it with SABOT_TESTENV_FILE=${runDir}/env.json`,
    );
    this.name = "RealNodeBusyError";
  }
}

export function readOwner(): NodeOwner | undefined {
  if (!existsSync(nodePaths.owner)) return undefined;
  try {
    return JSON.parse(readFileSync(nodePaths.owner, "utf8")) as NodeOwner;
  } catch {
    // Half-written by a run killed mid-write: nothing in it can be trusted, the scrub still runs.
    return undefined;
  }
}

export function writeOwner(owner: NodeOwner): void {
  writeFileSync(nodePaths.owner, JSON.stringify(owner, null, 2));
}

/** Writes this run's record; only under the claim lock (claim.ts), after the scrub. */
export function createOwner(owner: NodeOwner): void {
  mkdirSync(dirname(nodePaths.owner), { recursive: true });
  writeFileSync(nodePaths.owner, JSON.stringify(owner, null, 2));
}

export function recordPid(name: string, pid: number): void {
  const owner = readOwner();
  if (owner) writeOwner({ ...owner, pids: { ...owner.pids, [name]: pid } });
}

export function removeOwner(): void {
  rmSync(nodePaths.owner, { force: true });
}

/**
 * Throws RealNodeBusyError when another run holds the node: its starter is still running, or it
 * is an `env:up` environment whose kubelet still runs.
 */
export function assertNodeFree(): void {
  const owner = readOwner();
  if (!owner) return;
  const kubelet = owner.pids.kubelet;
  const kubeletAlive = kubelet !== undefined && processMatches(kubelet, owner.runDir);
  if (running(owner.starter) || (owner.standalone && kubeletAlive)) {
    throw new RealNodeBusyError(owner.runDir, owner.standalone);
  }
}
