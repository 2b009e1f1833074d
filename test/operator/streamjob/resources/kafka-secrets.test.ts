import { describe, expect, it } from "vitest";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { planFile } from "../../../../runtime/planner/validate.js";
import { streamJob } from "./fixtures.js";

const settings = operatorSettings({});
const schema = [{ name: "id", type: "int64" as const }];
const spec: Partial<StreamJobSpec> = {
  connections: {
    main: {
      bootstrapServers: ["kafka:9093"],
      security: {
        protocol: "SASL_SSL",
        sasl: {
          mechanism: "SCRAM-SHA-512",
          username: "sabot",
          passwordFrom: { secretKeyRef: { name: "kafka-user", key: "password" } },
        },
        tls: { caFrom: { secretKeyRef: { name: "kafka-ca", key: "ca.crt" } } },
      },
    },
  },
  sources: { in: { kafka: { connection: "main", topic: "in" }, schema } },
  pipeline: [{ from: "in", to: "out" }],
  sinks: {
    out: {
      kafka: {
        topic: "out",
        bootstrapServers: ["other:9093"],
        security: {
          protocol: "SSL",
          tls: {
            caFrom: { secretKeyRef: { name: "kafka-ca", key: "ca.crt" } },
            certFrom: { secretKeyRef: { name: "kafka-client", key: "tls.crt" } },
            keyFrom: { secretKeyRef: { name: "kafka-client", key: "tls.key" } },
          },
        },
      },
    },
  },
};

describe("Kafka Secrets in the pods", () => {
  it("each Secret a secretKeyRef names is mounted read-only into the workers, with only the keys named", () => {
    const pod = buildWorkerStatefulSet(streamJob("secure", spec), settings).spec!.template.spec!;
    const secretVolumes = pod.volumes!.filter((v) => v.secret && v.name.startsWith("kafka-secret-"));
    expect(secretVolumes.map((v) => v.secret)).toEqual([
      { secretName: "kafka-ca", items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o440 },
      {
        secretName: "kafka-client",
        items: [
          { key: "tls.crt", path: "tls.crt" },
          { key: "tls.key", path: "tls.key" },
        ],
        defaultMode: 0o440,
      },
      { secretName: "kafka-user", items: [{ key: "password", path: "password" }], defaultMode: 0o440 },
    ]);
    const mounts = pod.containers[0]!.volumeMounts!.filter((m) => m.name.startsWith("kafka-secret-"));
    expect(mounts.map((m) => [m.mountPath, m.readOnly])).toEqual([
      ["/var/run/secrets/sabot/kafka-ca", true],
      ["/var/run/secrets/sabot/kafka-client", true],
      ["/var/run/secrets/sabot/kafka-user", true],
    ]);
    // Nothing secret reaches the pod's environment or arguments.
    expect(JSON.stringify(pod.containers[0]!.env)).not.toContain("kafka-user");
  });

  it("the coordinator, which never connects to Kafka, mounts none; a job without secretKeyRefs adds no volume", () => {
    const coordinator = buildCoordinatorDeployment(streamJob("secure", spec), settings).spec!.template.spec!;
    expect(coordinator.volumes!.some((v) => v.name.startsWith("kafka-secret-"))).toBe(false);
    const plain = buildWorkerStatefulSet(streamJob("plain"), settings).spec!.template.spec!;
    expect(plain.volumes!.some((v) => v.name.startsWith("kafka-secret-"))).toBe(false);
  });

  it("examples/production/streamjob.yaml: its workers mount the Strimzi user's and the cluster CA's Secrets", () => {
    const { manifest } = planFile("examples/production/streamjob.yaml");
    const pod = buildWorkerStatefulSet(streamJob(manifest.name, manifest.spec), settings).spec!.template.spec!;
    const mounted = pod.volumes!.flatMap((v) => (v.name.startsWith("kafka-secret-") ? [v.secret!.secretName] : []));
    expect(mounted).toEqual(["kafka-cluster-ca-cert", "merchant-revenue"]);
  });
});
