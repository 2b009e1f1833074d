import type {
  V1Affinity,
  V1Container,
  V1NodeSelectorTerm,
  V1PodSpec,
  V1PodTemplateSpec,
} from "@kubernetes/client-node";
import { MAIN_CONTAINER, type PodTemplateSpec } from "../../../runtime/contract/spec/pod-template.js";
import { RESERVED } from "../../../runtime/contract/spec/pod-template-rules.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";

/**
 * Pod templates (spec.podTemplate, spec.coordinator.podTemplate, spec.worker.podTemplate) merged
 * into the pods the operator builds, Flink-operator style. The rules, also in docs/operator.md ("Pod templates"):
 * - the role's template is laid over spec.podTemplate: its scalars win, maps merge key by key,
 *   lists merge by name (containers, initContainers, volumes, env, imagePullSecrets);
 * - the result is merged into the operator's pod: labels and annotations are added; the container
 *   named sabot-main-container merges into the coordinator or worker container, others are sidecars;
 *   env (a NODE_OPTIONS replaces the operator's), envFrom, volumes, volumeMounts, tolerations and imagePullSecrets are added to the operator's;
 *   node requirements must hold together with the operator's GPU placement; securityContext
 *   (pod and container) and pod-level defaults (automountServiceAccountToken, ...) are overridden
 *   field by field; spec.resources and spec.coordinator.resources win per resource name.
 * What a template must not set (the operator's labels, container, env and volumes) is refused by
 * the spec check (runtime/contract/spec/pod-template-rules.ts) before anything is built; the merge keeps
 * the operator's value too, so a job that slipped past the check still runs as the operator needs.
 */

export type Role = "coordinator" | "worker";

/** A template as merged here: a core/v1 Pod's labels, annotations and (partial) spec. */
export type TemplatePod = Pick<PodTemplateSpec, "metadata" | "spec">;

/** `over`'s entries replace `base`'s of the same key (merged by `merge`), new ones are appended. */
function byKey<T>(
  base: T[] | undefined,
  over: T[] | undefined,
  key: (x: T) => string | undefined,
  merge: (a: T, b: T) => T = (_a, b) => b,
): T[] | undefined {
  if (!over?.length) return base;
  const out = [...(base ?? [])];
  for (const item of over) {
    const i = out.findIndex((x) => key(x) === key(item));
    if (i < 0) out.push(item);
    else out[i] = merge(out[i]!, item);
  }
  return out;
}

function byName<T extends { name?: string }>(
  base: T[] | undefined,
  over: T[] | undefined,
  merge?: (a: T, b: T) => T,
): T[] | undefined {
  return byKey(base, over, (x) => x.name, merge);
}

function maps<V>(a: Record<string, V> | undefined, b: Record<string, V> | undefined): Record<string, V> | undefined {
  return a || b ? { ...a, ...b } : undefined;
}

function concat<T>(a: T[] | undefined, b: T[] | undefined): T[] | undefined {
  return a || b ? [...(a ?? []), ...(b ?? [])] : undefined;
}

/** Drops keys whose value is undefined, so a merge adds no empty fields to what is applied. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `b` over `a`, for two templates' containers of one name. */
function overlayContainer(a: V1Container, b: V1Container): V1Container {
  return defined({
    ...a,
    ...b,
    env: byName(a.env, b.env),
    envFrom: concat(a.envFrom, b.envFrom),
    // One mount per path (the API server refuses two).
    volumeMounts: byKey(a.volumeMounts, b.volumeMounts, (m) => m.mountPath),
    resources:
      a.resources || b.resources
        ? defined({
            ...a.resources,
            ...b.resources,
            requests: maps(a.resources?.requests, b.resources?.requests),
            limits: maps(a.resources?.limits, b.resources?.limits),
          })
        : undefined,
    securityContext:
      a.securityContext || b.securityContext ? { ...a.securityContext, ...b.securityContext } : undefined,
  });
}

/** spec.podTemplate with the role's own template laid over it; undefined when neither exists. */
export function roleTemplate(spec: StreamJobSpec, role: Role): TemplatePod | undefined {
  const common = spec.podTemplate;
  const own = spec[role]?.podTemplate;
  if (!common || !own) return common ?? own;
  const a: Partial<V1PodSpec> = common.spec ?? {};
  const b: Partial<V1PodSpec> = own.spec ?? {};
  return {
    metadata: defined({
      labels: maps(common.metadata?.labels, own.metadata?.labels),
      annotations: maps(common.metadata?.annotations, own.metadata?.annotations),
    }),
    spec: defined({
      ...a,
      ...b,
      containers: byName(a.containers, b.containers, overlayContainer),
      initContainers: byName(a.initContainers, b.initContainers, overlayContainer),
      volumes: byName(a.volumes, b.volumes),
      imagePullSecrets: byName(a.imagePullSecrets, b.imagePullSecrets),
      nodeSelector: maps(a.nodeSelector, b.nodeSelector),
      tolerations: concat(a.tolerations, b.tolerations),
      affinity: a.affinity || b.affinity ? { ...a.affinity, ...b.affinity } : undefined,
      securityContext:
        a.securityContext || b.securityContext ? { ...a.securityContext, ...b.securityContext } : undefined,
    }),
  };
}

const OWNED_CONTAINER_FIELDS = [
  "name",
  "image",
  "command",
  "args",
  "ports",
  "readinessProbe",
  "livenessProbe",
  "startupProbe",
  "lifecycle",
] as const;

/** The template's sabot-main-container merged into the operator's container. */
function mainContainer(own: V1Container, t: V1Container | undefined): V1Container {
  if (!t) return own;
  const rest: Partial<V1Container> = { ...t };
  for (const f of OWNED_CONTAINER_FIELDS) delete rest[f];
  const reservedEnv = (name: string) => name.startsWith(RESERVED.envPrefix) || RESERVED.env.includes(name);
  const userEnv = t.env?.filter((e) => !reservedEnv(e.name));
  const ownMounts = new Set((own.volumeMounts ?? []).map((m) => m.mountPath));
  const resources =
    own.resources || t.resources
      ? defined({
          ...t.resources,
          requests: maps(t.resources?.requests, own.resources?.requests),
          limits: maps(t.resources?.limits, own.resources?.limits),
        })
      : undefined;
  return defined({
    ...rest,
    ...own,
    // The operator's variables come first: the user's may refer to them as $(NAME). A user's
    // NODE_OPTIONS replaces the operator's heap cap in place; SABOT_* and POD_IP stay the operator's.
    env: byName(own.env, userEnv),
    envFrom: concat(own.envFrom, t.envFrom),
    volumeMounts: concat(
      own.volumeMounts,
      t.volumeMounts?.filter((m) => !ownMounts.has(m.mountPath)),
    ),
    resources,
    securityContext:
      own.securityContext || t.securityContext ? { ...own.securityContext, ...t.securityContext } : undefined,
    // A job may pull its own image differently from the operator's default (Always for a moving tag).
    imagePullPolicy: t.imagePullPolicy ?? own.imagePullPolicy,
  });
}

/** Terms are ORed and a term's expressions ANDed: the operator's requirement joins each of the user's terms. */
function requiredTerms(own: V1NodeSelectorTerm[], user: V1NodeSelectorTerm[]): V1NodeSelectorTerm[] {
  if (own.length === 0) return user;
  if (user.length === 0) return own;
  return user.flatMap((u) =>
    own.map((o) => ({ ...u, matchExpressions: [...(u.matchExpressions ?? []), ...(o.matchExpressions ?? [])] })),
  );
}

function mergeAffinity(own: V1Affinity | undefined, t: V1Affinity | undefined): V1Affinity | undefined {
  if (!t) return own;
  if (!own) return t;
  const terms = requiredTerms(
    own.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
    t.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
  );
  const nodeAffinity = defined({
    ...own.nodeAffinity,
    ...t.nodeAffinity,
    requiredDuringSchedulingIgnoredDuringExecution: terms.length > 0 ? { nodeSelectorTerms: terms } : undefined,
    preferredDuringSchedulingIgnoredDuringExecution: concat(
      own.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      t.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ),
  });
  return { ...own, ...t, nodeAffinity };
}

/** `kubectl logs` and `exec` pick this container when the pod has sidecars. */
export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

/** The operator's pod with a template merged in; the pod unchanged when there is none. */
export function applyPodTemplate(pod: V1PodTemplateSpec, template: TemplatePod | undefined): V1PodTemplateSpec {
  if (!template) return pod;
  const own: V1PodSpec = pod.spec ?? { containers: [] };
  const t = template.spec ?? {};
  const [ownMain, ...ownOthers] = own.containers;
  const templateMain = t.containers?.find((c) => c.name === MAIN_CONTAINER);
  const ownNames = new Set(own.containers.map((c) => c.name));
  const sidecars = (t.containers ?? []).filter((c) => c.name !== MAIN_CONTAINER && !ownNames.has(c.name));
  const ownVolumes = new Set((own.volumes ?? []).map((v) => v.name));
  const containers = [...(ownMain ? [mainContainer(ownMain, templateMain)] : []), ...ownOthers, ...sidecars];
  const annotations = maps(template.metadata?.annotations, pod.metadata?.annotations);
  return {
    metadata: defined({
      ...pod.metadata,
      labels: maps(template.metadata?.labels, pod.metadata?.labels),
      annotations:
        sidecars.length > 0 && ownMain ? { ...annotations, [DEFAULT_CONTAINER_ANNOTATION]: ownMain.name } : annotations,
    }),
    spec: defined({
      ...own,
      // The template's other PodSpec fields: serviceAccountName, priorityClassName, topologySpreadConstraints,
      // and the operator's pod-level defaults (automountServiceAccountToken, enableServiceLinks, ...) overridden.
      ...t,
      containers,
      initContainers: concat(own.initContainers, t.initContainers),
      volumes: concat(
        own.volumes,
        t.volumes?.filter((v) => !ownVolumes.has(v.name)),
      ),
      imagePullSecrets: concat(own.imagePullSecrets, t.imagePullSecrets),
      nodeSelector: maps(t.nodeSelector, own.nodeSelector),
      tolerations: concat(own.tolerations, t.tolerations),
      affinity: mergeAffinity(own.affinity, t.affinity),
      securityContext:
        own.securityContext || t.securityContext ? { ...own.securityContext, ...t.securityContext } : undefined,
    }),
  };
}
