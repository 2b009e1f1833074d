/**
 * Addresses of the test environment's real node. Every one exists only on bridges and in network
 * namespaces the test environment creates on this machine (none is routed off it): the node's own
 * bridge carries the node IP, which pods reach and the API server, Kafka, MinIO and Prometheus
 * listen on besides (or instead of) loopback; the CNI bridge carries the real node's pods; the
 * Service range is routed to a blackhole so an unserved ClusterIP never leaves the machine.
 */

/** An otherwise empty bridge that holds the node IP (the kubelet refuses a loopback node IP). */
export const NODE_BRIDGE = "sabot-node0";
export const NODE_IP = "10.250.0.1";
export const NODE_IP_CIDR = `${NODE_IP}/24`;
/** The node bridge's network: pods get a route to it (and to the Service range), nothing else. */
export const NODE_SUBNET = "10.250.0.0/24";

/** Name of the real (kubelet) node, beside kwok's fake ones. */
export const REAL_NODE_NAME = "sabot-real-0";

/** Pods of the real node (CNI bridge plugin, host-local IPAM); apart from kwok's 10.244.0.0/16. */
export const REAL_POD_CIDR = "10.245.0.0/24";
export const CNI_BRIDGE = "sabot-cni0";

/** ClusterIP range (blackholed as a route; kube-proxy's iptables rules serve the used ones). */
export const SERVICE_CIDR = "10.96.0.0/16";
export const SERVICE_IP = "10.96.0.1";

/**
 * The real node's taint: pods land there only when they tolerate it, so the existing tests' pods
 * (no toleration) keep going to the kwok nodes. End-to-end tests add the toleration and select
 * the node by REAL_NODE_LABEL.
 */
export const REAL_NODE_TAINT = { key: "sabot.dev/real-node", value: "true", effect: "NoSchedule" } as const;
export const REAL_NODE_LABEL = { key: "sabot.dev/real-node", value: "true" } as const;

/** Cluster DNS: CoreDNS runs on the host, listening on the node IP (the kubelet's clusterDNS). */
export const CLUSTER_DOMAIN = "cluster.local";
export const CLUSTER_DNS_IP = NODE_IP;

/** The CNI network of the real node's pods (its conflist name, and host-local's IPAM folder). */
export const CNI_NETWORK_NAME = "sabot-testenv";
