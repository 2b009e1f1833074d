import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { asStreamJob } from "../../operator/streamjob/job.js";
import { buildChildren } from "../../operator/streamjob/resources/children.js";
import { operatorSettings } from "../../operator/streamjob/resources/settings.js";
import { planFile } from "../../runtime/planner/validate.js";

/**
 * examples/production/streamjob.yaml needs a cluster's Kafka, S3 and Prometheus, so it is not run
 * here: the engine and the planner accept it, the operator builds its pods, and
 * test/operator/streamjob/resources/apply.int.test.ts has the real API server accept it against the CRD.
 */
describe("examples/production/streamjob.yaml", () => {
  const { manifest } = planFile("examples/production/streamjob.yaml");
  const job = asStreamJob({
    apiVersion: "sabot.dev/v1alpha1",
    kind: "StreamJob",
    metadata: { name: manifest.name, namespace: "payments", uid: "uid-1" },
    spec: manifest.spec,
  });

  it("addresses Kafka by a Service name, checkpoints exactly once to S3 with a Secret, autoscales", () => {
    const spec = manifest.spec;
    const brokers = [...Object.values(spec.sources!), ...Object.values(spec.sinks!)].flatMap(
      (s) => s.kafka?.bootstrapServers ?? [],
    );
    expect(brokers.length).toBeGreaterThan(0);
    for (const b of brokers) expect(b).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local:\d+$/);
    expect(spec.checkpointing).toMatchObject({ mode: "exactly-once", storage: expect.stringMatching(/^s3:\/\//) });
    expect(spec.storageSecret).toBeTruthy();
    expect(spec.autoscaler?.enabled).toBe(true);
    expect(spec.resources?.memory).toBeTruthy();
  });

  it("the operator builds coordinator and worker pods carrying its pod template and the S3 Secret", () => {
    const children = buildChildren(job, operatorSettings());
    const pods = children
      .filter((c) => c.kind === "Deployment" || c.kind === "StatefulSet")
      .map((c) => (c as { spec: { template: V1PodTemplateSpec } }).spec.template);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata?.labels?.team).toBe("payments");
      expect(pod.spec!.serviceAccountName).toBe("merchant-revenue");
      expect(pod.spec!.nodeSelector).toEqual({ "node-pool": "streaming" });
      expect(pod.spec!.tolerations).toContainEqual({
        key: "dedicated",
        operator: "Equal",
        value: "streaming",
        effect: "NoSchedule",
      });
      const main = pod.spec!.containers[0]!;
      expect(main.envFrom).toContainEqual({ secretRef: { name: "s3-credentials" } });
      expect(main.env).toContainEqual({ name: "AWS_REGION", value: "eu-west-1" });
    }
  });
});
