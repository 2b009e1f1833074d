import { CNI_BRIDGE, NODE_BRIDGE, NODE_IP_CIDR, NODE_SUBNET, REAL_POD_CIDR, SERVICE_CIDR } from "../node-network.js";
import { host, hostQuiet, readSysctl, writeSysctl } from "./host.js";

/**
 * The host side of the real node's network: a bridge of its own that holds the node IP (the
 * kubelet refuses a loopback node IP and this kernel has no `dummy` links), the Service range
 * routed to a blackhole, forwarding on, and a FORWARD guard chain. Pods get no default route
 * (cni.ts), and the guard drops anything forwarded between the pod range and any other address,
 * so no pod packet can leave the machine even if a pod adds a route of its own.
 */

/**
 * The guard's chain, jumped to first from FORWARD of the mangle table: mangle runs before filter,
 * where the CNI firewall plugin inserts its ACCEPT rules for pod addresses at the top of FORWARD
 * (a guard there would come after them).
 */
export const GUARD_CHAIN = "SABOT-NODE-GUARD";
const guard = (...args: string[]) => host("iptables", ["-w", "-t", "mangle", ...args]);
const guardQuiet = (...args: string[]) => hostQuiet("iptables", ["-w", "-t", "mangle", ...args]);

/** Sysctls the node needs, and why. Their previous values are kept and restored at teardown. */
const SYSCTLS: Record<string, string> = {
  // Pods reach Services and each other through the host.
  "net.ipv4.ip_forward": "1",
  // A pod reaching a Service whose backend is on the same bridge: the reply is bridged, not
  // routed, and kube-proxy's DNAT is undone only if bridged packets pass iptables (br_netfilter).
  "net.bridge.bridge-nf-call-iptables": "1",
};

/**
 * Routes that make the environment's ranges unreachable whenever nothing more specific serves
 * them, kept on the machine after teardown on purpose: a client still holding an old env.json (a
 * test run reusing a stopped environment, a retry loop during env:down) would otherwise send to
 * 10.250.0.1 along the default route, off the machine. The bridges' own routes (metric 0) win
 * while the environment is up.
 */
const SAFETY_METRIC = "4242";
const SAFETY_RANGES = [NODE_SUBNET, REAL_POD_CIDR, SERVICE_CIDR];

async function addSafetyRoutes(): Promise<void> {
  for (const range of SAFETY_RANGES)
    await host("ip", ["route", "replace", "unreachable", range, "metric", SAFETY_METRIC]);
}

/** Creates the node bridge and routes, turns on forwarding; returns the sysctls' previous values. */
export async function setupNodeNetwork(): Promise<Record<string, string>> {
  await addSafetyRoutes();
  // Idempotent: the bridge may already be there (made by hand to try a service on the node IP).
  const exists = await hostQuiet("ip", ["link", "show", "dev", NODE_BRIDGE]);
  if (!exists) await host("ip", ["link", "add", NODE_BRIDGE, "type", "bridge"]);
  await host("ip", ["addr", "replace", NODE_IP_CIDR, "dev", NODE_BRIDGE]);
  await host("ip", ["link", "set", NODE_BRIDGE, "up"]);
  // A ClusterIP that kube-proxy does not serve must go nowhere; without this route it would
  // follow the default route off the machine.
  await host("ip", ["route", "replace", "blackhole", SERVICE_CIDR]);
  // The bridge sysctls exist only with br_netfilter loaded (dockerd loads it when it starts); a
  // machine whose kernel has it built in, or without modprobe, simply skips this.
  if (readSysctl("net.bridge.bridge-nf-call-iptables") === undefined) await hostQuiet("modprobe", ["br_netfilter"]);
  const previous: Record<string, string> = {};
  for (const [name, value] of Object.entries(SYSCTLS)) {
    const before = writeSysctl(name, value);
    if (before !== undefined) previous[name] = before;
  }
  await guard("-N", GUARD_CHAIN);
  await guard("-A", GUARD_CHAIN, "-s", REAL_POD_CIDR, "!", "-d", REAL_POD_CIDR, "-j", "DROP");
  await guard("-A", GUARD_CHAIN, "!", "-s", REAL_POD_CIDR, "-d", REAL_POD_CIDR, "-j", "DROP");
  await guard("-I", "FORWARD", "1", "-j", GUARD_CHAIN);
  return previous;
}

/** Removes the pods' bridge (and any veth left on it); a no-op when it is gone. */
export async function deleteCniBridge(): Promise<void> {
  // Deleting a bridge detaches (and with their peers gone, frees) any veth still on it.
  await hostQuiet("ip", ["link", "del", CNI_BRIDGE]);
}

/**
 * Undoes setupNodeNetwork; every step tolerates "already gone". Only once every service that
 * listens on the node IP has stopped: with the address gone, their peers' FINs are never
 * delivered, and the API server waits out its shutdown timeout on watches of dead clients.
 */
export async function teardownNodeNetwork(previousSysctls: Record<string, string>): Promise<void> {
  while (await guardQuiet("-D", "FORWARD", "-j", GUARD_CHAIN));
  await guardQuiet("-F", GUARD_CHAIN);
  await guardQuiet("-X", GUARD_CHAIN);
  // Only the blackhole of metric 0; the safety routes stay (see addSafetyRoutes).
  await hostQuiet("ip", ["route", "del", "blackhole", SERVICE_CIDR, "metric", "0"]);
  await deleteCniBridge();
  await hostQuiet("ip", ["link", "del", NODE_BRIDGE]);
  for (const [name, value] of Object.entries(previousSysctls)) {
    try {
      writeSysctl(name, value);
    } catch {
      // Restoring is a courtesy to the machine; failing to do it must not fail the teardown.
    }
  }
}
