import type { V1Container, V1PodSpec, V1PodTemplateSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { selectorLabels, workerSelector } from "../../../../operator/streamjob/job.js";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import {
  applyPodTemplate,
  DEFAULT_CONTAINER_ANNOTATION,
} from "../../../../operator/streamjob/resources/pod-template.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { tlsVolume, tlsVolumeMount } from "../../../../operator/streamjob/resources/tls-secret.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import type { PodTemplateSpec } from "../../../../runtime/contract/spec/pod-template.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { streamJob } from "./fixtures.js";

const settings = operatorSettings({ image: "sabot:test" });
const pods = (spec: Partial<StreamJobSpec>, s = settings) => {
  const job = streamJob("tpl", spec);
  return {
    coordinator: buildCoordinatorDeployment(job, s).spec!.template,
    worker: buildWorkerStatefulSet(job, s).spec!.template,
  };
};
const specOf = (t: V1PodTemplateSpec): V1PodSpec => t.spec!;
const main = (t: V1PodTemplateSpec): V1Container => specOf(t).containers[0]!;
const envNames = (c: V1Container) => (c.env ?? []).map((e) => e.name);

/** Everything docs/operator.md ("Pod templates") lists for a pod template, in spec.podTemplate. */
const full: PodTemplateSpec = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { labels: { team: "payments" }, annotations: { "example.com/owner": "payments" } },
  spec: {
    serviceAccountName: "payments-jobs",
    imagePullSecrets: [{ name: "registry-creds" }],
    nodeSelector: { "sabot.dev/real-node": "true" },
    tolerations: [{ key: "sabot.dev/real-node", operator: "Equal", value: "true", effect: "NoSchedule" }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["a", "b"] }] },
          ],
        },
      },
    },
    securityContext: { fsGroup: 2000, supplementalGroups: [3000] },
    priorityClassName: "streaming",
    volumes: [{ name: "certs", secret: { secretName: "kafka-tls" } }],
    initContainers: [{ name: "wait-for-kafka", image: "busybox", command: ["sh", "-c", "true"] }],
    containers: [
      {
        name: "sabot-main-container",
        env: [
          { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "s3", key: "access-key" } } },
          { name: "NODE_OPTIONS", value: "--enable-source-maps" },
        ],
        envFrom: [{ configMapRef: { name: "job-env" } }],
        volumeMounts: [{ name: "certs", mountPath: "/etc/kafka-tls", readOnly: true }],
        resources: { requests: { "ephemeral-storage": "2Gi", cpu: "9" }, limits: { "ephemeral-storage": "4Gi" } },
        securityContext: { runAsUser: 1001 },
        imagePullPolicy: "Always",
      },
      { name: "log-shipper", image: "fluent-bit:3", volumeMounts: [{ name: "tmp", mountPath: "/logs" }] },
    ],
  },
};

describe("spec.podTemplate", () => {
  it("leaves the operator's pods exactly as built when there is no template", () => {
    const pod: V1PodTemplateSpec = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "worker" }] } };
    expect(applyPodTemplate(pod, undefined)).toBe(pod);
  });

  it("reaches the coordinator and the worker pods: labels, annotations, placement, identity, volumes, sidecars", () => {
    for (const [role, t] of Object.entries(pods({ podTemplate: full, storageSecret: "s3-creds" }))) {
      const pod = specOf(t);
      expect(t.metadata?.labels, role).toMatchObject({
        team: "payments",
        "sabot.dev/job": "tpl",
        "app.kubernetes.io/component": role,
      });
      expect(t.metadata?.annotations).toMatchObject({
        "example.com/owner": "payments",
        [DEFAULT_CONTAINER_ANNOTATION]: role,
      });
      expect(t.metadata?.annotations?.["sabot.dev/spec-hash"]).toMatch(/^[0-9a-f]{16}$/);
      expect(pod.serviceAccountName).toBe("payments-jobs");
      expect(pod.imagePullSecrets).toEqual([{ name: "registry-creds" }]);
      expect(pod.nodeSelector).toEqual({ "sabot.dev/real-node": "true" });
      expect(pod.tolerations).toEqual([
        { key: "sabot.dev/real-node", operator: "Equal", value: "true", effect: "NoSchedule" },
      ]);
      expect(pod.priorityClassName).toBe("streaming");
      // Field by field over the operator's defaults: non-root and seccomp stay.
      expect(pod.securityContext).toMatchObject({
        fsGroup: 2000,
        supplementalGroups: [3000],
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.volumes?.map((v) => v.name)).toEqual([
        ...(role === "coordinator" ? ["spec"] : []),
        "tmp",
        "tls",
        "certs",
      ]);
      expect(pod.initContainers?.map((c) => c.name)).toEqual(["wait-for-kafka"]);
      expect(pod.containers.map((c) => c.name)).toEqual([role, "log-shipper"]);

      const c = main(t);
      expect(c.image).toBe("sabot:test");
      expect(c.imagePullPolicy).toBe("Always");
      expect(c.args?.[0]).toBe(role);
      // The operator's variables first (the user's may refer to them), the user's added after.
      const names = envNames(c);
      expect(names.indexOf("AWS_ACCESS_KEY_ID")).toBeGreaterThan(
        Math.max(...names.filter((n) => n.startsWith("SABOT_")).map((n) => names.indexOf(n))),
      );
      // The user's NODE_OPTIONS replaces the operator's heap cap in place.
      expect(c.env?.filter((e) => e.name === "NODE_OPTIONS")).toEqual([
        { name: "NODE_OPTIONS", value: "--enable-source-maps" },
      ]);
      expect(envNames(c).filter((n) => n.startsWith("SABOT_")).length).toBeGreaterThan(3);
      expect(c.envFrom).toEqual([{ secretRef: { name: "s3-creds" } }, { configMapRef: { name: "job-env" } }]);
      expect(c.volumeMounts).toContainEqual({ name: "certs", mountPath: "/etc/kafka-tls", readOnly: true });
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      expect(c.securityContext).toMatchObject({
        runAsUser: 1001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.resources?.requests?.["ephemeral-storage"]).toBe("2Gi");
      expect(c.resources?.limits?.["ephemeral-storage"]).toBe("4Gi");
    }
  });

  it("keeps the operator's resources per key, and sets the coordinator's from spec.coordinator.resources", () => {
    const { coordinator, worker } = pods({
      podTemplate: full,
      resources: { cpu: "2", memory: "4Gi" },
      coordinator: { resources: { memory: "1Gi" } },
    });
    expect(main(worker).resources).toEqual({
      requests: { "ephemeral-storage": "2Gi", cpu: "2", memory: "4Gi" },
      limits: { "ephemeral-storage": "4Gi", memory: "4Gi" },
    });
    // cpu from the operator's setting (spec.coordinator.resources.cpu unset), memory from the spec.
    expect(main(coordinator).resources).toEqual({
      requests: { "ephemeral-storage": "2Gi", cpu: "250m", memory: "1Gi" },
      limits: { "ephemeral-storage": "4Gi", memory: "1Gi" },
    });
    expect(main(coordinator).env?.find((e) => e.name === "NODE_OPTIONS")?.value).toBe("--enable-source-maps");
  });

  it("lays the per-role template over spec.podTemplate: scalars and same-named entries replaced, maps merged", () => {
    const { coordinator, worker } = pods({
      podTemplate: {
        metadata: { labels: { team: "a", tier: "stream" } },
        spec: {
          nodeSelector: { pool: "general", disk: "ssd" },
          containers: [
            {
              name: "sabot-main-container",
              env: [
                { name: "MODE", value: "common" },
                { name: "KEEP", value: "1" },
              ],
            },
          ],
        },
      },
      worker: {
        podTemplate: {
          metadata: { labels: { team: "b" } },
          spec: {
            nodeSelector: { pool: "workers" },
            serviceAccountName: "workers",
            containers: [
              { name: "sabot-main-container", env: [{ name: "MODE", value: "worker" }] },
              { name: "profiler", image: "p:1" },
            ],
          },
        },
      },
      coordinator: { podTemplate: { spec: { serviceAccountName: "coordinators" } } },
    });
    expect(worker.metadata?.labels).toMatchObject({ team: "b", tier: "stream" });
    expect(specOf(worker).nodeSelector).toEqual({ pool: "workers", disk: "ssd" });
    expect(specOf(worker).serviceAccountName).toBe("workers");
    expect(main(worker).env?.filter((e) => ["MODE", "KEEP"].includes(e.name))).toEqual([
      { name: "MODE", value: "worker" },
      { name: "KEEP", value: "1" },
    ]);
    expect(specOf(worker).containers.map((c) => c.name)).toEqual(["worker", "profiler"]);

    expect(coordinator.metadata?.labels).toMatchObject({ team: "a" });
    expect(specOf(coordinator).nodeSelector).toEqual({ pool: "general", disk: "ssd" });
    expect(specOf(coordinator).serviceAccountName).toBe("coordinators");
    expect(main(coordinator).env?.find((e) => e.name === "MODE")?.value).toBe("common");
    expect(specOf(coordinator).containers.map((c) => c.name)).toEqual(["coordinator"]);
  });

  it("a role's mount at a path replaces the common template's mount there (one mount per path)", () => {
    const mount = (volume: string) => ({
      spec: {
        volumes: [{ name: volume, emptyDir: {} }],
        containers: [{ name: "sabot-main-container", volumeMounts: [{ name: volume, mountPath: "/data" }] }],
      },
    });
    const { worker, coordinator } = pods({ podTemplate: mount("common"), worker: { podTemplate: mount("own") } });
    expect(main(worker).volumeMounts?.filter((m) => m.mountPath === "/data")).toEqual([
      { name: "own", mountPath: "/data" },
    ]);
    expect(specOf(worker).volumes?.map((v) => v.name)).toEqual(["tmp", "tls", "common", "own"]);
    expect(main(coordinator).volumeMounts?.filter((m) => m.mountPath === "/data")).toEqual([
      { name: "common", mountPath: "/data" },
    ]);
  });

  it("GPU workers: the user's node requirements and the GPU node's must both hold; both tolerations stay", () => {
    const { worker } = pods({ gpu: { count: 1 }, podTemplate: full });
    const terms =
      specOf(worker).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms).toEqual([
      {
        matchExpressions: [
          { key: "topology.kubernetes.io/zone", operator: "In", values: ["a", "b"] },
          { key: "nvidia.com/gpu.present", operator: "Exists" },
        ],
      },
    ]);
    expect(specOf(worker).tolerations?.map((t) => t.key)).toEqual(["nvidia.com/gpu", "sabot.dev/real-node"]);
  });

  it("the operator's fields win in the merge even if the spec check was bypassed", () => {
    const sneaky = {
      metadata: { labels: { "sabot.dev/job": "other", "app.kubernetes.io/component": "x" } },
      spec: {
        volumes: [{ name: "tmp", hostPath: { path: "/" } }],
        containers: [
          {
            name: "sabot-main-container",
            image: "evil",
            args: ["run"],
            env: [{ name: "SABOT_COORDINATOR_ADDRESS", value: "x" }],
            volumeMounts: [{ name: "x", mountPath: "/tmp" }],
          },
          { name: "worker", image: "evil" },
        ],
      },
    } as PodTemplateSpec;
    const { worker } = pods({ podTemplate: sneaky });
    expect(worker.metadata?.labels).toMatchObject(selectorLabels(streamJob("tpl"), "worker"));
    expect(specOf(worker).volumes).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
      tlsVolume(streamJob("tpl"), "worker"),
    ]);
    expect(specOf(worker).containers.map((c) => [c.name, c.image])).toEqual([["worker", "sabot:test"]]);
    expect(main(worker).args).toEqual(["worker", "--tls-dir", "/etc/sabot-tls"]);
    expect(
      main(worker)
        .env?.filter((e) => e.name === "SABOT_COORDINATOR_ADDRESS")
        .map((e) => e.value),
    ).toEqual(["tpl-coordinator.team-a.svc:7070"]);
    expect(main(worker).volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }, tlsVolumeMount]);
  });
});

describe("service account token (least privilege)", () => {
  it("job pods mount no token, even under a template's service account, unless the template asks for one", () => {
    const named = pods({
      podTemplate: { apiVersion: "v1", kind: "Pod", spec: { serviceAccountName: "payments-jobs" } },
    });
    for (const t of [named.coordinator, named.worker]) {
      expect(specOf(t).serviceAccountName).toBe("payments-jobs");
      expect(specOf(t).automountServiceAccountToken).toBe(false);
    }
    const asked = pods({
      worker: {
        podTemplate: { apiVersion: "v1", kind: "Pod", spec: { automountServiceAccountToken: true } },
      },
    });
    expect(specOf(asked.worker).automountServiceAccountToken).toBe(true);
    expect(specOf(asked.coordinator).automountServiceAccountToken).toBe(false);
  });
});

describe("status.selector", () => {
  it("is the worker StatefulSet's selector as a label-selector string", () => {
    const job = streamJob("tpl");
    const matchLabels = buildWorkerStatefulSet(job, settings).spec!.selector.matchLabels!;
    expect(workerSelector(job)).toBe(
      Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    );
    expect(workerSelector(job)).toBe("sabot.dev/job=tpl,app.kubernetes.io/component=worker");
  });
});
