import type { V1PodSpec } from "@kubernetes/client-node";
import { Type } from "@sinclair/typebox";

/**
 * `spec.podTemplate` and the per-role `spec.coordinator.podTemplate` / `spec.worker.podTemplate`:
 * a core/v1 Pod merged into the pods the operator builds, as the Flink Kubernetes operator does
 * (operator/streamjob/resources/pod-template.ts merges; docs/operator.md, "Pod templates", lists the rules).
 *
 * The whole core/v1 PodSpec would make the CRD several hundred kilobytes, so only the parts Sabot
 * merges are typed here; everything else is kept as written (x-kubernetes-preserve-unknown-fields)
 * and validated by the API server when the operator applies the Deployment and StatefulSet.
 */

const Optional = Type.Optional;
const PRESERVE = { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true } as const;
/** Lists Kubernetes merges by name: the API server refuses two entries of one name. */
const BY_NAME = { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] } as const;

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });
const Named = (description: string, nameDescription: string) =>
  Type.Object({ name: Type.String({ minLength: 1, description: nameDescription }) }, { ...PRESERVE, description });
/** A core/v1 object Sabot passes through without reading it. */
const Opaque = (description: string) => Type.Object({}, { ...PRESERVE, description });

export const MAIN_CONTAINER = "sabot-main-container";

const ContainerTemplate = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      description: `Container name; ${MAIN_CONTAINER} is merged into the pod's own coordinator or worker container, any other name adds a sidecar.`,
    }),
    env: Optional(
      Type.Array(Named("A core/v1 EnvVar (value or valueFrom, e.g. secretKeyRef).", "Environment variable name."), {
        ...BY_NAME,
        description: "Environment variables, added to the operator's (SABOT_* and POD_IP are the operator's).",
      }),
    ),
    envFrom: Optional(
      Type.Array(Opaque("A core/v1 EnvFromSource: configMapRef or secretRef, with an optional prefix."), {
        description: "ConfigMaps and Secrets whose keys become environment variables.",
      }),
    ),
    volumeMounts: Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, description: "A volume of the pod (spec.volumes or the template's)." }),
            mountPath: Type.String({ minLength: 1, description: "Where the volume appears in the container." }),
          },
          { ...PRESERVE, description: "A core/v1 VolumeMount." },
        ),
        { description: "Volumes mounted into this container." },
      ),
    ),
    resources: Optional(
      Type.Object(
        {
          requests: Optional(StringMap("Resource requests (Kubernetes quantities), e.g. ephemeral-storage: 2Gi.")),
          limits: Optional(StringMap("Resource limits (Kubernetes quantities).")),
        },
        {
          ...PRESERVE,
          description:
            "core/v1 ResourceRequirements; for the main container, spec.resources and spec.coordinator.resources win per key.",
        },
      ),
    ),
    securityContext: Optional(
      Opaque("core/v1 SecurityContext; for the main container, merged over the operator's defaults field by field."),
    ),
  },
  { ...PRESERVE, description: "A core/v1 Container." },
);

const Toleration = Type.Object(
  {
    key: Optional(Type.String({ description: "Taint key; empty with operator Exists matches every taint." })),
    operator: Optional(
      Type.Unsafe<"Exists" | "Equal">({
        type: "string",
        enum: ["Exists", "Equal"],
        description: "Exists or Equal (default).",
      }),
    ),
    value: Optional(Type.String({ description: "Taint value, for operator Equal." })),
    effect: Optional(
      Type.Unsafe<"NoSchedule" | "PreferNoSchedule" | "NoExecute">({
        type: "string",
        enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"],
        description: "Taint effect to match; empty matches all effects.",
      }),
    ),
    tolerationSeconds: Optional(
      Type.Integer({ description: "NoExecute only: how long the pod stays bound after the taint appears." }),
    ),
  },
  { additionalProperties: false, description: "A core/v1 Toleration." },
);

const PodSpecTemplate = Type.Object(
  {
    containers: Optional(
      Type.Array(ContainerTemplate, {
        ...BY_NAME,
        description: `${MAIN_CONTAINER} (merged into the main container) and sidecar containers.`,
      }),
    ),
    initContainers: Optional(
      Type.Array(ContainerTemplate, {
        ...BY_NAME,
        description: "Init containers, run before the main container starts.",
      }),
    ),
    volumes: Optional(
      Type.Array(Named("A core/v1 Volume.", "Volume name (spec and tmp are the operator's)."), {
        ...BY_NAME,
        description: "Volumes, added to the operator's; mount them with containers[].volumeMounts.",
      }),
    ),
    nodeSelector: Optional(StringMap("Node labels the pods' node must carry.")),
    affinity: Optional(
      Opaque("core/v1 Affinity; node requirements are combined with the operator's GPU placement (both must hold)."),
    ),
    tolerations: Optional(
      Type.Array(Toleration, { description: "Taints the pods tolerate, added to the operator's." }),
    ),
    securityContext: Optional(
      Opaque("core/v1 PodSecurityContext, merged over the operator's defaults field by field."),
    ),
    serviceAccountName: Optional(
      Type.String({ description: "ServiceAccount the pods run as (default: the namespace's default)." }),
    ),
    imagePullSecrets: Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({
              minLength: 1,
              description: "A Secret of type kubernetes.io/dockerconfigjson in the job's namespace.",
            }),
          },
          { additionalProperties: false, description: "A core/v1 LocalObjectReference." },
        ),
        { description: "Secrets for pulling the image from a private registry." },
      ),
    ),
  },
  {
    ...PRESERVE,
    description:
      "core/v1 PodSpec fields; other PodSpec fields (priorityClassName, topologySpreadConstraints, ...) are passed through.",
  },
);

/**
 * The TypeScript type is core/v1's, not the schema's: the schema types only what Sabot reads, and
 * the other PodSpec fields it passes through are still core/v1 fields.
 */
export interface PodTemplateSpec {
  apiVersion?: string;
  kind?: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Partial<V1PodSpec>;
}

export const PodTemplateSpec = Type.Unsafe<PodTemplateSpec>(
  Type.Object(
    {
      apiVersion: Optional(Type.String({ description: "v1, if given (the template is a core/v1 Pod)." })),
      kind: Optional(Type.String({ description: "Pod, if given." })),
      metadata: Optional(
        Type.Object(
          {
            labels: Optional(StringMap("Labels added to the pods (the operator's own labels cannot be set).")),
            annotations: Optional(StringMap("Annotations added to the pods (sabot.dev/ keys are the operator's).")),
          },
          { additionalProperties: false, description: "Labels and annotations for the pods." },
        ),
      ),
      spec: Optional(PodSpecTemplate),
    },
    {
      additionalProperties: false,
      description:
        "A core/v1 Pod merged into the job's pods: the operator's fields win where the job needs them (docs/operator.md: Pod templates).",
    },
  ),
);
