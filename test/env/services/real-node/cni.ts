import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CNI_BRIDGE, CNI_NETWORK_NAME, NODE_SUBNET, REAL_POD_CIDR, SERVICE_CIDR } from "../node-network.js";
import { nodePaths } from "./paths.js";

/**
 * The real node's CNI network, from Debian's containernetworking-plugins: a bridge with
 * host-local addresses, portmap for hostPort, and the firewall plugin, which accepts the pods'
 * traffic in FORWARD (Docker sets FORWARD's policy to DROP). No masquerading and no default
 * route: a pod can reach other pods, the node IP (API server, Kafka, MinIO, Prometheus, DNS) and
 * Services, and nothing else, so none of its packets can leave the machine.
 */
export function writeCniConfig(): string {
  const conflist = {
    cniVersion: "1.0.0",
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: "bridge",
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: false,
        // A pod reaching itself through its own Service goes out and back in the same port.
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: REAL_POD_CIDR }]],
          routes: [{ dst: NODE_SUBNET }, { dst: SERVICE_CIDR }],
          // Our own lease folder instead of /var/lib/cni/networks, so teardown knows what is ours.
          dataDir: nodePaths.cniIpam,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
      { type: "firewall", backend: "iptables" },
    ],
  };
  mkdirSync(nodePaths.cniConfDir, { recursive: true });
  const file = join(nodePaths.cniConfDir, `10-${CNI_NETWORK_NAME}.conflist`);
  writeFileSync(file, `${JSON.stringify(conflist, null, 2)}\n`);
  return file;
}
