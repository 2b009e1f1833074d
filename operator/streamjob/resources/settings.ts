import type { V1NetworkPolicyPeer } from "@kubernetes/client-node";

/**
 * Who may reach a job's pods besides the job's own pods (network-policy.ts). A rule whose `from`
 * list is empty admits every source, as in a NetworkPolicy itself.
 */
export interface NetworkPolicySettings {
  /** Render a NetworkPolicy per job (the chart's networkPolicy.enabled). */
  enabled: boolean;
  /** The operator's pods: they call the coordinator's control port (savepoints, status). */
  operatorFrom: V1NetworkPolicyPeer[];
  /** Who scrapes the workers' metrics port; empty: anyone. */
  metricsFrom: V1NetworkPolicyPeer[];
  /** Who opens the coordinator's web UI port (an ingress controller, port-forward); empty: anyone. */
  uiFrom: V1NetworkPolicyPeer[];
}

/**
 * The operator's own settings (from its Helm values), which shape every job's pods. A job's spec
 * may override the image; the rest is cluster policy.
 */
export interface OperatorSettings {
  /** Default runtime image (coordinator and workers); spec.image overrides it. */
  image: string;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  /** Keep pods of CPU-only jobs (and all coordinators) off nodes carrying `gpuNodeLabel`. */
  keepCpuJobsOffGpuNodes: boolean;
  /** Label GPU nodes carry, for jobs whose spec.gpu.nodeLabel is unset. */
  gpuNodeLabel: string;
  /** Longest graceful stop (drain, flush, commit) a pod gets after SIGTERM. */
  shutdownTimeoutSeconds: number;
  /** Pause before SIGTERM so Service endpoints drop the pod first. */
  preStopSleepSeconds: number;
  coordinatorResources: { cpu: string; memory: string };
  /**
   * Where jobs that name no checkpointing.storage keep checkpoints and savepoints (s3://bucket/prefix
   * or file:///path; empty: nowhere), and the Secret with its credentials in each job's namespace.
   */
  checkpointStorage: { url: string; secret: string };
  logLevel: "trace" | "debug" | "info" | "warn" | "error";
  networkPolicy: NetworkPolicySettings;
  /** Lifecycle timing; a job's spec.upgradeTimeout / spec.savepointTimeout override the first two. */
  lifecycle: {
    /** A (re)deployment not Running within this counts as failed (rollback when spec.rollback). */
    upgradeTimeoutMs: number;
    /** A savepoint for an upgrade, suspend or delete not completed within this is given up. */
    savepointTimeoutMs: number;
    /** Running and ready this long makes a spec stable (status.lastStableSpec). */
    stableAfterMs: number;
    /** How often an in-flight savepoint is polled. */
    pollIntervalMs: number;
    /** How long a reconcile follows a savepoint it just triggered (closely) before handing back to the queue. */
    followMs: number;
  };
}

export const DEFAULT_SETTINGS: OperatorSettings = {
  image: "ghcr.io/sabot-dev/sabot:0.1.0",
  imagePullPolicy: "IfNotPresent",
  keepCpuJobsOffGpuNodes: false,
  gpuNodeLabel: "nvidia.com/gpu.present",
  shutdownTimeoutSeconds: 25,
  preStopSleepSeconds: 3,
  coordinatorResources: { cpu: "250m", memory: "512Mi" },
  checkpointStorage: { url: "", secret: "" },
  logLevel: "info",
  networkPolicy: {
    enabled: true,
    // The chart narrows this to its release namespace; a bare operator only knows its pods' labels.
    operatorFrom: [
      {
        namespaceSelector: {},
        podSelector: { matchLabels: { "app.kubernetes.io/name": "sabot", "app.kubernetes.io/component": "operator" } },
      },
    ],
    metricsFrom: [],
    uiFrom: [],
  },
  lifecycle: {
    upgradeTimeoutMs: 5 * 60_000,
    savepointTimeoutMs: 5 * 60_000,
    stableAfterMs: 30_000,
    pollIntervalMs: 1_000,
    followMs: 3_000,
  },
};

export function operatorSettings(overrides: Partial<OperatorSettings> = {}): OperatorSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}
