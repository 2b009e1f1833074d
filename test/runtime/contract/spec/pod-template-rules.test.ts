import { describe, expect, it } from "vitest";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import { SpecError } from "../../../../runtime/contract/spec/errors.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { RESERVED } from "../../../../runtime/contract/spec/pod-template-rules.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { jobSpec, streamJob } from "../../../operator/streamjob/resources/fixtures.js";

const issuesOf = (extra: object) => checkSpecShape({ ...jobSpec(), ...extra });

describe("pod template checks", () => {
  it("accepts a template with sidecars, Secret env, volumes, placement and PodSpec fields Sabot does not read", () => {
    expect(
      issuesOf({
        podTemplate: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { labels: { team: "a" }, annotations: { "prometheus.io/other": "x" } },
          spec: {
            priorityClassName: "high",
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway" }],
            tolerations: [{ key: "sabot.dev/real-node", operator: "Exists", effect: "NoSchedule" }],
            volumes: [{ name: "certs", secret: { secretName: "tls" } }],
            containers: [
              {
                name: "sabot-main-container",
                env: [{ name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "s3", key: "secret" } } }],
                volumeMounts: [{ name: "certs", mountPath: "/etc/tls" }],
                securityContext: { runAsUser: 1000 },
              },
              { name: "sidecar", image: "envoy", env: [{ name: "SABOT_ANYTHING", value: "sidecars may" }] },
            ],
          },
        },
        coordinator: { resources: { cpu: "1", memory: "2Gi" }, podTemplate: { spec: { serviceAccountName: "c" } } },
        worker: { podTemplate: { spec: { imagePullSecrets: [{ name: "regcred" }] } } },
      }),
    ).toEqual([]);
  });

  it("refuses what the operator sets, at the path to fix and saying what to do instead", () => {
    const issues = issuesOf({
      podTemplate: {
        apiVersion: "apps/v1",
        metadata: {
          labels: { "sabot.dev/job": "x", "app.kubernetes.io/component": "y" },
          annotations: { "sabot.dev/spec-hash": "z" },
        },
        spec: {
          volumes: [{ name: "tmp", emptyDir: {} }],
          initContainers: [{ name: "sabot-main-container" }],
          containers: [
            { name: "worker" },
            {
              name: "sabot-main-container",
              image: "mine",
              command: ["sh"],
              env: [
                { name: "SABOT_PARALLELISM", value: "9" },
                { name: "POD_IP", value: "1.2.3.4" },
              ],
              volumeMounts: [{ name: "x", mountPath: "/tmp/" }],
            },
          ],
        },
      },
      worker: { podTemplate: { kind: "Deployment" } },
    });
    expect(issues.map((i) => i.path)).toEqual([
      "spec.podTemplate.apiVersion",
      "spec.podTemplate.metadata.labels.sabot.dev/job",
      "spec.podTemplate.metadata.labels.app.kubernetes.io/component",
      "spec.podTemplate.metadata.annotations.sabot.dev/spec-hash",
      "spec.podTemplate.spec.containers[0].name",
      "spec.podTemplate.spec.containers[1].image",
      "spec.podTemplate.spec.containers[1].command",
      "spec.podTemplate.spec.containers[1].env[0].name",
      "spec.podTemplate.spec.containers[1].env[1].name",
      "spec.podTemplate.spec.containers[1].volumeMounts[0].mountPath",
      "spec.podTemplate.spec.initContainers[0].name",
      "spec.podTemplate.spec.volumes[0].name",
      "spec.worker.podTemplate.kind",
    ]);
    const message = (path: string) => issues.find((i) => i.path === path)?.message;
    expect(message("spec.podTemplate.spec.containers[0].name")).toContain("name it sabot-main-container");
    expect(message("spec.podTemplate.spec.containers[1].image")).toContain("set spec.image");
  });

  it("refuses unknown fields where Sabot reads the template, and wrong types", () => {
    const issues = issuesOf({
      podTemplate: {
        metadata: { name: "x", labels: { on: true } },
        spec: { tolerations: [{ key: "k", operater: "Exists" }], nodeSelector: { a: 1 } },
      },
      coordinator: { replicas: 2 },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "spec.podTemplate.metadata.name", message: "unknown field" },
        expect.objectContaining({ path: "spec.podTemplate.metadata.labels.on" }),
        { path: "spec.podTemplate.spec.tolerations[0].operater", message: "unknown field" },
        expect.objectContaining({ path: "spec.podTemplate.spec.nodeSelector.a" }),
        { path: "spec.coordinator.replicas", message: "unknown field" },
      ]),
    );
  });

  it("a manifest with a refused template fails to parse with every problem listed", () => {
    const text = `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: t }
spec:
  sources: { s: { generator: { kind: nexmark-bid, count: 1 } } }
  pipeline: [{ from: s, to: out }]
  sinks: { out: { console: {} } }
  podTemplate:
    spec:
      containers: [{ name: sabot-main-container, args: [run] }]
`;
    expect(() => parseManifest(text)).toThrow(SpecError);
    expect(() => parseManifest(text)).toThrow(
      /spec\.podTemplate\.spec\.containers\[0\]\.args: cannot be set on sabot-main-container/,
    );
  });

  it("reserves everything the operator's builders set on the pods", () => {
    const job = streamJob("r", { storageSecret: "s", gpu: { count: 1 }, resources: { memory: "1Gi" } });
    const settings = operatorSettings();
    for (const template of [
      buildCoordinatorDeployment(job, settings).spec!.template,
      buildWorkerStatefulSet(job, settings).spec!.template,
    ]) {
      const reservedKey = (list: string[]) => (k: string) => k.startsWith(RESERVED.prefix) || list.includes(k);
      expect(Object.keys(template.metadata?.labels ?? {}).filter((k) => !reservedKey(RESERVED.labels)(k))).toEqual([]);
      expect(
        Object.keys(template.metadata?.annotations ?? {}).filter((k) => !reservedKey(RESERVED.annotations)(k)),
      ).toEqual([]);
      const spec = template.spec!;
      expect(spec.containers.map((c) => c.name).filter((n) => !RESERVED.containers.includes(n))).toEqual([]);
      expect((spec.volumes ?? []).map((v) => v.name).filter((n) => !RESERVED.volumes.includes(n))).toEqual([]);
      const main = spec.containers[0]!;
      expect((main.volumeMounts ?? []).map((m) => m.mountPath).filter((p) => !RESERVED.mountPaths.includes(p))).toEqual(
        [],
      );
      // NODE_OPTIONS is the one variable a template may replace (the heap cap).
      expect(
        (main.env ?? [])
          .map((e) => e.name)
          .filter((n) => !n.startsWith(RESERVED.envPrefix) && !RESERVED.env.includes(n)),
      ).toEqual(["NODE_OPTIONS"]);
      for (const field of ["image", "args", "ports", "readinessProbe", "lifecycle"])
        if (main[field as keyof typeof main] !== undefined) expect(RESERVED.mainContainerFields).toHaveProperty(field);
    }
  });
});
