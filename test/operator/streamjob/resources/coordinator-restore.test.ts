import { describe, expect, it } from "vitest";
import { buildCoordinatorDeployment } from "../../../../operator/streamjob/resources/coordinator.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { buildWorkerStatefulSet } from "../../../../operator/streamjob/resources/workers.js";
import { streamJob } from "./fixtures.js";

const settings = operatorSettings();
const hash = (o: { spec?: { template: { metadata?: { annotations?: Record<string, string> } } } }) =>
  o.spec!.template.metadata!.annotations!["sabot.dev/spec-hash"];
const env = (d: ReturnType<typeof buildCoordinatorDeployment>) => d.spec!.template.spec!.containers[0]!.env!;

describe("the coordinator's restore source", () => {
  it("is SABOT_RESTORE_FROM when the lifecycle deploys from a savepoint, and rolls the coordinator", () => {
    const job = streamJob("orders");
    const plain = buildCoordinatorDeployment(job, settings);
    const restoring = buildCoordinatorDeployment(job, settings, { restoreFrom: "s3://b/state/orders/sp-3" });
    expect(env(plain).find((e) => e.name === "SABOT_RESTORE_FROM")).toBeUndefined();
    expect(env(restoring)).toContainEqual({ name: "SABOT_RESTORE_FROM", value: "s3://b/state/orders/sp-3" });
    expect(hash(restoring)).not.toBe(hash(plain));
    expect(hash(buildCoordinatorDeployment(job, settings, { restoreFrom: "s3://b/state/orders/sp-4" }))).not.toBe(
      hash(restoring),
    );
  });

  it.each([
    ["rollback", { rollback: true }],
    ["upgradeTimeout", { upgradeTimeout: "1m" }],
    ["savepointFallback", { savepointFallback: "last-checkpoint" as const }],
    ["upgradeMode", { upgradeMode: "last-state" as const }],
    ["restoreFrom (the lifecycle passes it on its own)", { restoreFrom: "s3://b/x" }],
  ])("a change of %s alone does not roll the pods", (_name, extra) => {
    const a = streamJob("orders");
    const b = streamJob("orders", extra);
    expect(hash(buildWorkerStatefulSet(b, settings))).toBe(hash(buildWorkerStatefulSet(a, settings)));
    expect(hash(buildCoordinatorDeployment(b, settings))).toBe(hash(buildCoordinatorDeployment(a, settings)));
  });
});
