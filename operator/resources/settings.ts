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
  logLevel: "trace" | "debug" | "info" | "warn" | "error";
}

export const DEFAULT_SETTINGS: OperatorSettings = {
  image: "ghcr.io/sabot-dev/sabot:0.1.0",
  imagePullPolicy: "IfNotPresent",
  keepCpuJobsOffGpuNodes: false,
  gpuNodeLabel: "nvidia.com/gpu.present",
  shutdownTimeoutSeconds: 25,
  preStopSleepSeconds: 3,
  coordinatorResources: { cpu: "250m", memory: "512Mi" },
  logLevel: "info",
};

export function operatorSettings(overrides: Partial<OperatorSettings> = {}): OperatorSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}
