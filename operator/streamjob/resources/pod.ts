import type {
  V1Affinity,
  V1Lifecycle,
  V1NodeSelectorRequirement,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Toleration,
} from "@kubernetes/client-node";
import type { StreamJob } from "../job.js";
import type { OperatorSettings } from "./settings.js";

/** Pieces shared by coordinator and worker pods. */

export const PORTS = { control: 7070, exchange: 7071, metrics: 9090, ui: 8081 } as const;
/** The user the runtime image runs as (distroless `nonroot`). */
export const RUNTIME_UID = 65532;
export const GPU_RESOURCE = "nvidia.com/gpu";
export const GPU_TAINT_KEY = "nvidia.com/gpu";
/** The coordinator reads the resolved job spec from here (the ConfigMap, mounted). */
export const SPEC_DIR = "/etc/sabot";
export const SPEC_FILE = "job.yaml";

export function image(job: StreamJob, settings: OperatorSettings): string {
  return job.spec.image ?? settings.image;
}

export function podSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUNTIME_UID,
    runAsGroup: RUNTIME_UID,
    fsGroup: RUNTIME_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

/**
 * SIGTERM starts a job-wide graceful stop bounded by SABOT_SHUTDOWN_TIMEOUT; the grace period
 * covers the preStop pause, that stop and a margin, so Kubernetes never SIGKILLs a clean drain.
 */
export function terminationGracePeriodSeconds(settings: OperatorSettings): number {
  return settings.preStopSleepSeconds + settings.shutdownTimeoutSeconds + 5;
}

export function lifecycle(settings: OperatorSettings): V1Lifecycle {
  // The sleep action needs no shell, which the distroless image does not have.
  return { preStop: { sleep: { seconds: settings.preStopSleepSeconds } } };
}

export function gpuCount(job: StreamJob): number {
  return job.spec.gpu?.count ?? 0;
}

/** `key` (any value) or `key=value`, as written in spec.gpu.nodeLabel or the settings. */
function gpuNodeRequirement(label: string, present: boolean): V1NodeSelectorRequirement {
  const eq = label.indexOf("=");
  if (eq < 0) return { key: label, operator: present ? "Exists" : "DoesNotExist" };
  return { key: label.slice(0, eq), operator: present ? "In" : "NotIn", values: [label.slice(eq + 1)] };
}

function requiredNodeAffinity(req: V1NodeSelectorRequirement): V1Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [req] }] },
    },
  };
}

/** GPU workers must land on GPU nodes; CPU pods are kept off them when the operator says so. */
export function affinity(job: StreamJob, settings: OperatorSettings, wantsGpu: boolean): V1Affinity | undefined {
  if (wantsGpu) return requiredNodeAffinity(gpuNodeRequirement(job.spec.gpu?.nodeLabel ?? settings.gpuNodeLabel, true));
  if (settings.keepCpuJobsOffGpuNodes) return requiredNodeAffinity(gpuNodeRequirement(settings.gpuNodeLabel, false));
  return undefined;
}

export function tolerations(wantsGpu: boolean): V1Toleration[] | undefined {
  return wantsGpu ? [{ key: GPU_TAINT_KEY, operator: "Exists", effect: "NoSchedule" }] : undefined;
}

const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes in a Kubernetes memory quantity (`512Mi`, `1G`, `1e9`); undefined when not one. */
export function quantityBytes(q: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] ?? ""] ?? 1);
}

/**
 * Node grows its heap towards a limit derived from the machine, not the container; cap it at
 * three quarters of the pod's memory so buffers and native memory fit in the rest.
 */
export function nodeOptions(memory: string | undefined): string | undefined {
  const bytes = memory === undefined ? undefined : quantityBytes(memory);
  if (bytes === undefined) return undefined;
  return `--max-old-space-size=${Math.max(64, Math.floor((bytes * 0.75) / 1024 ** 2))}`;
}
