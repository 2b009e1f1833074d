import type { V1Node } from "@kubernetes/client-node";

/**
 * The fake Nodes of the test cluster. They are real Node objects in the real API server; kwok
 * plays their kubelets (Ready conditions, leases, pod phases), so the real scheduler places pods
 * on them by resources, affinity and taints exactly as it would on machines.
 */

/** kwok manages only Nodes annotated with this (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

export const CPU_NODE_NAME = "sabot-cpu-0";
export const GPU_NODE_NAME = "sabot-gpu-0";

/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = "nvidia.com/gpu";
export const GPU_COUNT = 4;
export const GPU_PRODUCT = "NVIDIA-H100-80GB-HBM3";

/** Set by NVIDIA GPU feature discovery on every node with a GPU; select GPU nodes by it. */
export const GPU_NODE_LABEL = { key: "nvidia.com/gpu.present", value: "true" } as const;

/** The labels GPU feature discovery sets on a node with four H100 SXM GPUs (a subset). */
export const GPU_NODE_LABELS: Record<string, string> = {
  [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value,
  "nvidia.com/gpu.product": GPU_PRODUCT,
  "nvidia.com/gpu.count": String(GPU_COUNT),
  "nvidia.com/gpu.memory": "81559",
  "nvidia.com/gpu.family": "hopper",
  "nvidia.com/gpu.machine": "sabot-test",
  "nvidia.com/cuda.driver.major": "550",
  "nvidia.com/cuda.runtime.major": "12",
};

/**
 * GPU nodes are tainted so only pods that ask for a GPU land there. Managed offerings use this
 * key (GKE: `nvidia.com/gpu=present:NoSchedule`; AKS/EKS guides: the same key); a pod tolerates
 * it with `{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }` or with
 * `operator: "Equal", value: "present"`.
 */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" } as const;

/** Pod IPs kwok hands out; apart from the service range (10.96.0.0/16). */
export const POD_CIDR = "10.244.0.0/16";

function fakeNode(
  name: string,
  extra: { labels: Record<string, string>; resources: Record<string, string>; gpu: boolean },
): V1Node {
  const resources = { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "500Gi", ...extra.resources };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": extra.gpu ? "sabot-gpu" : "sabot-cpu",
        type: "kwok",
        ...extra.labels,
      },
    },
    spec: extra.gpu ? { taints: [{ ...GPU_TAINT }] } : {},
    // kwok's node-initialize stage keeps capacity/allocatable and fills in conditions,
    // addresses and nodeInfo (kubeletVersion "kwok-<version>").
    status: { capacity: resources, allocatable: resources },
  };
}

export function fakeNodes(): V1Node[] {
  return [
    fakeNode(CPU_NODE_NAME, { labels: {}, resources: {}, gpu: false }),
    fakeNode(GPU_NODE_NAME, {
      labels: GPU_NODE_LABELS,
      resources: { memory: "512Gi", [GPU_RESOURCE]: String(GPU_COUNT) },
      gpu: true,
    }),
  ];
}
