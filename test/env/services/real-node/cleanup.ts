import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { CNI_NETWORK_NAME, REAL_POD_CIDR } from "../node-network.js";
import { host, hostQuiet, processMatches } from "./host.js";
import { kubeProxyCleanup } from "./kube-proxy.js";
import { deleteCniBridge, teardownNodeNetwork } from "./network.js";
import type { NodeOwner } from "./owner.js";
import { FOREIGN_PATHS, NODE_PATHS, nodePaths } from "./paths.js";

/**
 * Removes everything the real node leaves on the machine, whether it stopped cleanly (then most
 * steps find nothing) or crashed: processes, pod cgroups, mounts, network namespaces, links,
 * iptables chains, routes, folders. Every step is idempotent and goes on past failures, which are
 * collected and reported together at the end.
 *
 * `keepHost` leaves the host network (node bridge and IP, Service route, guard, sysctls) and the
 * owner record: the environment's other services still listen on the node IP. releaseRealNode
 * removes them once those have stopped.
 */
export async function scrubRealNode(
  owner: NodeOwner | undefined,
  kubeProxyBin: string | undefined,
  opts: { keepHost: boolean } = { keepHost: false },
): Promise<void> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step("kill node processes", () => killNodeProcesses(owner));
  await step("kill pod processes", killPodCgroups);
  await step("delete pod network namespaces", deletePodNetns);
  await step("unmount", unmountUnder([NODE_PATHS.lib, NODE_PATHS.run]));
  if (kubeProxyBin && existsSync(kubeProxyBin))
    await step("kube-proxy --cleanup", () => kubeProxyCleanup(kubeProxyBin));
  await step("iptables chains", () => removeChains(["iptables", "ip6tables"]));
  await step("pod bridge", deleteCniBridge);
  if (!opts.keepHost) await step("host network", () => teardownNodeNetwork(owner?.previousSysctls ?? {}));
  await step("pod cgroups", removePodCgroups);
  await step("files", () => removeFiles(owner, opts.keepHost));
  if (problems.length > 0) throw new RealNodeCleanupError(problems);
}

export class RealNodeCleanupError extends Error {
  constructor(readonly problems: string[]) {
    super(`cleaning up the real node left problems:\n  ${problems.join("\n  ")}`);
    this.name = "RealNodeCleanupError";
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function procPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/**
 * The node's daemons by their recorded pids, and containerd's shims: these are started by
 * containerd but are not its children, and name its socket on their command line.
 */
function killNodeProcesses(owner: NodeOwner | undefined): void {
  if (owner) for (const pid of Object.values(owner.pids)) if (processMatches(pid, owner.runDir)) kill(pid);
  for (const pid of procPids()) {
    if (processMatches(pid, "containerd-shim") && processMatches(pid, nodePaths.containerdSocket)) kill(pid);
  }
}

/** Cgroup folders of every v1 controller (and the unified v2 tree) that the kubelet made for pods. */
function podCgroupRoots(): string[] {
  const base = "/sys/fs/cgroup";
  if (!existsSync(base)) return [];
  const roots = [join(base, "kubepods"), ...readdirSync(base).map((c) => join(base, c, "kubepods"))];
  return roots.filter((r) => existsSync(r));
}

/** Folders of a cgroup tree, deepest first. */
function cgroupTree(dir: string): string[] {
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => cgroupTree(join(dir, e.name)));
  return [...children, dir];
}

/** The containers' processes, which outlive a killed shim; found in the kubelet's pod cgroups. */
async function killPodCgroups(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    let found = 0;
    for (const root of podCgroupRoots()) {
      for (const dir of cgroupTree(root)) {
        const procs = join(dir, "cgroup.procs");
        if (!existsSync(procs)) continue;
        for (const pid of readFileSync(procs, "utf8").split("\n").filter(Boolean).map(Number)) {
          kill(pid);
          found++;
        }
      }
    }
    if (found === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("processes are still left in the kubepods cgroups after 2 s of SIGKILL");
}

function removePodCgroups(): void {
  for (const root of podCgroupRoots()) for (const dir of cgroupTree(root)) rmdirSync(dir);
}

/** Whether an address of the real node's pod range is configured in a network namespace. */
async function holdsPodAddress(netns: string): Promise<boolean> {
  const prefix = `${REAL_POD_CIDR.split(".").slice(0, 3).join(".")}.`;
  const out = await host("ip", ["-n", netns, "-4", "-o", "addr", "show"]).catch(() => "");
  return out.includes(` ${prefix}`);
}

/**
 * containerd 1.6 puts pod network namespaces in /run/netns as cni-<uuid>, whatever its state
 * folder; ours are those holding an address of the real node's pod range. Deleting one drops its
 * veth, and with it the peer on the CNI bridge.
 */
async function deletePodNetns(): Promise<void> {
  if (!existsSync(FOREIGN_PATHS.netns)) return;
  for (const name of readdirSync(FOREIGN_PATHS.netns).filter((n) => n.startsWith("cni-"))) {
    if (await holdsPodAddress(name)) await host("ip", ["netns", "delete", name]);
  }
}

/** Mount points under any of `prefixes`, from /proc/self/mountinfo, deepest first. */
function mountsUnder(prefixes: string[]): string[] {
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => decode(line.split(" ")[4]))
    .filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts container root filesystems, volumes and sandbox /dev/shm; lazily where still busy. */
function unmountUnder(prefixes: string[]): () => Promise<void> {
  return async () => {
    for (const mount of mountsUnder(prefixes)) {
      if (!(await hostQuiet("umount", [mount]))) await host("umount", ["-l", mount]);
    }
    const left = mountsUnder(prefixes);
    if (left.length > 0) throw new Error(`still mounted: ${left.join(", ")}`);
  };
}

/** Chains the kubelet (KUBE-KUBELET-CANARY), kube-proxy (KUBE-*) and the CNI plugins (CNI-*) create. */
const NODE_CHAIN = /^(KUBE|CNI)-/;
const BUILTIN_CHAIN = /^(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)$/;

/**
 * Deletes those chains in every table, atomically per table with iptables-restore: first the
 * built-in chains' rules that jump to them, then their rules, then the chains. Needed besides
 * `kube-proxy --cleanup`, which leaves the CNI plugins' and the kubelet's chains.
 */
async function removeChains(tools: ("iptables" | "ip6tables")[]): Promise<void> {
  for (const tool of tools) {
    for (const table of ["filter", "nat", "mangle", "raw"]) {
      const saved = await host(`${tool}-save`, ["-t", table]).catch(() => "");
      const lines = saved.split("\n");
      const ours = lines
        .filter((l) => l.startsWith(":"))
        .map((l) => l.slice(1).split(" ")[0])
        .filter((c) => NODE_CHAIN.test(c));
      if (ours.length === 0) continue;
      const jumps = lines.filter((l) => {
        const m = /^-A (\S+) .*-[jg] (\S+)/.exec(l);
        return m !== null && BUILTIN_CHAIN.test(m[1]) && NODE_CHAIN.test(m[2]);
      });
      const script = [
        `*${table}`,
        ...jumps.map((l) => `-D${l.slice(2)}`),
        ...ours.map((c) => `-F ${c}`),
        ...ours.map((c) => `-X ${c}`),
        "COMMIT",
        "",
      ].join("\n");
      await restore(`${tool}-restore`, script);
    }
  }
}

/** Feeds a rules script to iptables-restore without flushing what the script does not name. */
function restore(tool: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, ["-w", "--noflush"], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(script);
  });
}

/** The node's own folders, and what the kubelet and libcni write outside the roots they are given. */
/** IDs of the pod sandboxes containerd's CRI plugin knows, from its folders (containerd may be gone). */
function sandboxIds(): string[] {
  const dir = join(nodePaths.containerdRoot, "io.containerd.grpc.v1.cri", "sandboxes");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function removeFiles(owner: NodeOwner | undefined, keepOwner: boolean): void {
  // Before the containerd root goes: libcni's cache names the loopback network's entries after them.
  const sandboxes = sandboxIds();
  rmSync(NODE_PATHS.lib, { recursive: true, force: true });
  if (existsSync(NODE_PATHS.run)) {
    for (const name of readdirSync(NODE_PATHS.run)) {
      const path = join(NODE_PATHS.run, name);
      if (!(keepOwner && path === nodePaths.owner)) rmSync(path, { recursive: true, force: true });
    }
    // Without the owner record the node is free again.
    if (!keepOwner) rmdirSync(NODE_PATHS.run);
  }
  if (existsSync(FOREIGN_PATHS.containerLogLinks)) {
    for (const name of readdirSync(FOREIGN_PATHS.containerLogLinks)) {
      const link = join(FOREIGN_PATHS.containerLogLinks, name);
      try {
        if (readlinkSync(link).startsWith(`${nodePaths.podLogs}/`)) unlinkSync(link);
      } catch {
        // Not a symlink: not the kubelet's.
      }
    }
  }
  if (existsSync(FOREIGN_PATHS.cniCache)) {
    const ours = (n: string) => n.startsWith(`${CNI_NETWORK_NAME}-`) || sandboxes.some((id) => n.includes(id));
    for (const name of readdirSync(FOREIGN_PATHS.cniCache).filter(ours)) {
      rmSync(join(FOREIGN_PATHS.cniCache, name), { force: true });
    }
  }
  // Folders the kubelet and libcni create when missing; left only where something else uses them.
  for (const dir of [FOREIGN_PATHS.cniCache, "/var/lib/cni", FOREIGN_PATHS.containerLogLinks, FOREIGN_PATHS.netns]) {
    removeIfEmpty(dir);
  }
  // The kubelet creates its device-plugin socket here whatever its --root-dir.
  if (owner && !owner.kubeletDefaultRootExisted) {
    rmSync(FOREIGN_PATHS.kubeletDefaultRoot, { recursive: true, force: true });
  } else {
    rmSync(join(FOREIGN_PATHS.devicePlugins, "kubelet.sock"), { force: true });
    rmSync(join(FOREIGN_PATHS.devicePlugins, "kubelet_internal_checkpoint"), { force: true });
  }
}

export function removeIfEmpty(dir: string): void {
  try {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // A mount point (`ip netns` makes /run/netns one) or in use: then it is not only ours.
  }
}
