import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer } from "@kubernetes/client-node";
import { childHead, JOB_LABEL, type StreamJob } from "../job.js";
import { PORTS } from "./pod.js";
import type { NetworkPolicySettings } from "./settings.js";

/** The NetworkPolicy's name: one per job, over all of its pods. */
export function networkPolicyName(job: StreamJob): string {
  return `${job.metadata.name}-pods`;
}

const tcp = (port: number) => ({ protocol: "TCP", port });

/**
 * A rule for some ports; an empty `from` admits every source (the NetworkPolicy semantics).
 * client-node's serializer writes the wire field `from` from `_from` and silently drops a plain
 * `from`, which would open the port to everyone: the API-server test reads the stored rule back.
 */
function rule(ports: number[], from: V1NetworkPolicyPeer[]): V1NetworkPolicyIngressRule {
  return { ports: ports.map(tcp), ...(from.length > 0 ? { _from: from } : {}) };
}

/**
 * Ingress to every pod of the job: the coordinator's control port and the workers' exchange port
 * (gRPC that can cancel the job or inject rows) only from the job's own pods and the operator;
 * the workers' metrics and the coordinator's UI from whom the settings name (anyone by default).
 * Egress stays open: workers reach Kafka, object storage and DNS wherever they are. Null when the
 * operator's settings turn policies off.
 */
export function buildNetworkPolicy(job: StreamJob, settings: NetworkPolicySettings): V1NetworkPolicy | null {
  if (!settings.enabled) return null;
  const jobPods: V1NetworkPolicyPeer = { podSelector: { matchLabels: { [JOB_LABEL]: job.metadata.name } } };
  return {
    ...childHead(job, "networking.k8s.io/v1", "NetworkPolicy", networkPolicyName(job), "network"),
    spec: {
      podSelector: { matchLabels: { [JOB_LABEL]: job.metadata.name } },
      policyTypes: ["Ingress"],
      ingress: [
        rule([PORTS.control, PORTS.exchange], [jobPods]),
        rule([PORTS.control], settings.operatorFrom),
        rule([PORTS.metrics], settings.metricsFrom),
        rule([PORTS.ui], settings.uiFrom),
      ],
    },
  };
}

export class NetworkPolicySettingsError extends Error {
  override name = "NetworkPolicySettingsError";
}

/**
 * SABOT_OPERATOR_NETWORK_POLICY as the chart writes it (its networkPolicy values as JSON):
 * {"enabled":bool,"operatorFrom":[peer],"metricsFrom":[peer],"uiFrom":[peer]}; a missing list
 * keeps the default's. The peers themselves are checked by the API server when a policy is applied.
 */
export function parseNetworkPolicySettings(text: string, defaults: NetworkPolicySettings): NetworkPolicySettings {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new NetworkPolicySettingsError(`SABOT_OPERATOR_NETWORK_POLICY is not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new NetworkPolicySettingsError("SABOT_OPERATOR_NETWORK_POLICY must be a JSON object");
  const o = v as Record<string, unknown>;
  if (o.enabled !== undefined && typeof o.enabled !== "boolean")
    throw new NetworkPolicySettingsError("SABOT_OPERATOR_NETWORK_POLICY: enabled must be true or false");
  const peers = (key: "operatorFrom" | "metricsFrom" | "uiFrom"): V1NetworkPolicyPeer[] => {
    const list = o[key];
    if (list === undefined) return defaults[key];
    if (!Array.isArray(list) || list.some((p) => typeof p !== "object" || p === null || Array.isArray(p)))
      throw new NetworkPolicySettingsError(
        `SABOT_OPERATOR_NETWORK_POLICY: ${key} must be a list of NetworkPolicy peers (objects)`,
      );
    return list as V1NetworkPolicyPeer[];
  };
  return {
    enabled: (o.enabled as boolean | undefined) ?? defaults.enabled,
    operatorFrom: peers("operatorFrom"),
    metricsFrom: peers("metricsFrom"),
    uiFrom: peers("uiFrom"),
  };
}
