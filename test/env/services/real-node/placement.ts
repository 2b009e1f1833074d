import type { V1Toleration } from "@kubernetes/client-node";
import type { RealNodeEnv } from "../../types.js";

/**
 * What a pod spec needs to run on the real node rather than a kwok node: a toleration for its
 * taint and a node selector for its label (the scheduler would otherwise also pick kwok nodes,
 * whose "pods" never run anything).
 */
export function realNodePlacement(node: Pick<RealNodeEnv, "taint" | "label">): {
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
} {
  return {
    nodeSelector: { [node.label.key]: node.label.value },
    tolerations: [{ key: node.taint.key, operator: "Equal", value: node.taint.value, effect: node.taint.effect }],
  };
}
