import type { SpecIssue } from "./errors.js";
import { MAIN_CONTAINER, type PodTemplateSpec } from "./pod-template.js";
import type { StreamJobSpec } from "./schema.js";

/**
 * What a pod template must not set, because the operator sets it and the job depends on it
 * (operator/streamjob/resources: the labels its Deployments and Services select by, its container, the
 * environment the runtime is configured by, the spec and /tmp volumes). Refused here, with what to
 * do instead, rather than silently ignored by the merge. A unit test builds pods and checks that
 * everything the operator sets is covered.
 */
export const RESERVED = {
  labels: [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/component",
  ],
  annotations: [
    "prometheus.io/scrape",
    "prometheus.io/port",
    "prometheus.io/path",
    "kubectl.kubernetes.io/default-container",
  ],
  /** Labels and annotations under this prefix are the operator's. */
  prefix: "sabot.dev/",
  containers: ["coordinator", "worker"],
  volumes: ["spec", "tmp", "tls"],
  mountPaths: ["/etc/sabot", "/etc/sabot-tls", "/tmp"],
  /** The main container's environment: SABOT_* configures the runtime; POD_IP feeds the advertised address. */
  envPrefix: "SABOT_",
  env: ["POD_IP"],
  mainContainerFields: {
    image: "set spec.image",
    command: "the operator runs the image's entrypoint",
    args: "the operator picks the subcommand",
    ports: "the operator declares the control, exchange and metrics ports",
    readinessProbe: "the operator probes the runtime",
    livenessProbe: "the operator probes the runtime",
    startupProbe: "the operator probes the runtime",
    lifecycle: "the operator's preStop pause drains the pod",
  } as Record<string, string>,
};

function keyIssues(map: Record<string, string> | undefined, reserved: string[], path: string): SpecIssue[] {
  return Object.keys(map ?? {})
    .filter((k) => k.startsWith(RESERVED.prefix) || reserved.includes(k))
    .map((k) => ({ path: `${path}.${k}`, message: "is set by the operator; choose another key" }));
}

function templateIssues(t: PodTemplateSpec, path: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (t.apiVersion !== undefined && t.apiVersion !== "v1")
    issues.push({ path: `${path}.apiVersion`, message: "expected v1 (a pod template is a core/v1 Pod)" });
  if (t.kind !== undefined && t.kind !== "Pod") issues.push({ path: `${path}.kind`, message: "expected Pod" });
  issues.push(...keyIssues(t.metadata?.labels, RESERVED.labels, `${path}.metadata.labels`));
  issues.push(...keyIssues(t.metadata?.annotations, RESERVED.annotations, `${path}.metadata.annotations`));
  const spec = t.spec ?? {};
  spec.containers?.forEach((c, i) => {
    const at = `${path}.spec.containers[${i}]`;
    if (RESERVED.containers.includes(c.name))
      issues.push({
        path: `${at}.name`,
        message: `"${c.name}" is the operator's container; name it ${MAIN_CONTAINER} to merge into it, or pick another name for a sidecar`,
      });
    if (c.name !== MAIN_CONTAINER) return;
    for (const [field, why] of Object.entries(RESERVED.mainContainerFields))
      if (field in c) issues.push({ path: `${at}.${field}`, message: `cannot be set on ${MAIN_CONTAINER}: ${why}` });
    c.env?.forEach((e, j) => {
      if (e.name.startsWith(RESERVED.envPrefix) || RESERVED.env.includes(e.name))
        issues.push({
          path: `${at}.env[${j}].name`,
          message: `${e.name} is set by the operator (SABOT_* and POD_IP configure the runtime)`,
        });
    });
    c.volumeMounts?.forEach((m, j) => {
      if (RESERVED.mountPaths.includes(m.mountPath.replace(/\/+$/, "")))
        issues.push({
          path: `${at}.volumeMounts[${j}].mountPath`,
          message: `${m.mountPath} is the operator's mount; mount somewhere else`,
        });
    });
  });
  spec.initContainers?.forEach((c, i) => {
    if (c.name === MAIN_CONTAINER || RESERVED.containers.includes(c.name))
      issues.push({
        path: `${path}.spec.initContainers[${i}].name`,
        message: `"${c.name}" is the name of the operator's container; pick another`,
      });
  });
  spec.volumes?.forEach((v, i) => {
    if (RESERVED.volumes.includes(v.name))
      issues.push({
        path: `${path}.spec.volumes[${i}].name`,
        message: `"${v.name}" is the operator's volume; pick another name`,
      });
  });
  return issues;
}

/** Problems in spec.podTemplate and the per-role templates, at the paths a user finds them. */
export function checkPodTemplates(spec: StreamJobSpec): SpecIssue[] {
  return [
    ...(spec.podTemplate ? templateIssues(spec.podTemplate, "spec.podTemplate") : []),
    ...(spec.coordinator?.podTemplate
      ? templateIssues(spec.coordinator.podTemplate, "spec.coordinator.podTemplate")
      : []),
    ...(spec.worker?.podTemplate ? templateIssues(spec.worker.podTemplate, "spec.worker.podTemplate") : []),
  ];
}
