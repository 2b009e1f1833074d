import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";
import { waitFor } from "../env/lib/wait.js";
import { REAL_NODE_NAME } from "../env/services/node-network.js";
import { runningJobSpec } from "../operator/checkpoint/checkpoint-fixture.js";
import {
  applyJson,
  diagnostics,
  installOperator,
  jobStatus,
  kubectl,
  leaseHolder,
  onRealNode,
  pods,
  type RealCluster,
  uninstall,
  waitForPhase,
} from "./real-cluster.js";

/**
 * The StreamJob lifecycle on real pods (the operator itself a pod, from the chart): suspend and
 * resume through a savepoint, an upgrade with upgradeMode: savepoint during which the operator's
 * pod is deleted (the new operator pod finishes it), a worker pod deleted gracefully (SIGTERM,
 * drained within its grace period), and a GPU job placed on the real node once it advertises
 * nvidia.com/gpu, running on CPU kernels because the node has no CUDA device.
 */

const JOB = "life";
const GPU_JOB = "gpu";

/** The checkpoint tests' running job (a throttled generator, keyed windows), on the real node. */
function spec(bucket: string, extra: Partial<StreamJobSpec> = {}): StreamJobSpec {
  return runningJobSpec({
    bucket,
    extra: {
      parallelism: 1,
      checkpointing: { interval: "2s", storage: `s3://${bucket}/state` },
      upgradeMode: "savepoint",
      podTemplate: { spec: onRealNode() },
      ...extra,
    },
  });
}

describe("StreamJob lifecycle on real pods, with the operator as a pod", () => {
  let c: RealCluster;
  const operatorPods = () => pods(c, "app.kubernetes.io/name=sabot,app.kubernetes.io/component=operator");
  const patchSpec = (name: string, s: Partial<StreamJobSpec>) =>
    kubectl(c.ns, "patch", `streamjob/${name}`, "--type=merge", "-p", JSON.stringify({ spec: s }));

  beforeAll(async () => {
    c = await installOperator("e2e-life");
    await applyJson(c.ns, {
      apiVersion: "sabot.dev/v1alpha1",
      kind: "StreamJob",
      metadata: { name: JOB },
      spec: spec(c.bucket),
    });
    await waitForPhase(c, JOB, "Running", (s) => s.lastCheckpoint !== undefined);
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail") console.error(await diagnostics(c));
  });

  afterAll(async () => {
    await uninstall(c);
  }, 180_000);

  it("suspends with a savepoint (no pods left) and resumes from it", async () => {
    await patchSpec(JOB, { state: "suspended" });
    const suspended = await waitForPhase(c, JOB, "Suspended");
    expect(suspended.lastSavepoint?.path).toMatch(new RegExp(`^s3://${c.bucket}/state/${JOB}/sp-\\d+$`));
    await waitFor(async () => ((await pods(c, `sabot.dev/job=${JOB}`)).length === 0 ? true : undefined), {
      what: "no job pods",
      timeoutMs: 60_000,
    });
    await patchSpec(JOB, { state: "running" });
    const resumed = await waitForPhase(c, JOB, "Running");
    expect(resumed.restoreFrom).toBe(suspended.lastSavepoint!.path);
  }, 240_000);

  it("finishes an upgrade whose operator pod was deleted mid-way, from the new operator pod", async () => {
    const [first] = await operatorPods();
    await patchSpec(JOB, { parallelism: 2 });
    await waitFor(async () => ((await jobStatus(c, JOB))?.upgrade ? true : undefined), {
      what: "an upgrade in flight",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await kubectl(c.ns, "delete", "pod", first.metadata!.name!, "--wait=false");
    const s = await waitForPhase(c, JOB, "Running", (x) => x.parallelism === 2, 240_000);
    expect(s.lastSavepoint?.reason).toBe("upgrade");
    expect(s.restoreFrom).toBe(s.lastSavepoint!.path);
    const [second] = await operatorPods();
    expect(second.metadata?.name).not.toBe(first.metadata?.name);
    expect(await leaseHolder(c)).toBe(second.metadata?.name);
  }, 300_000);

  it("drains a gracefully deleted worker pod within its grace period, and the job runs again", async () => {
    const [w] = await pods(c, `sabot.dev/job=${JOB},app.kubernetes.io/component=worker`);
    const grace = w.spec?.terminationGracePeriodSeconds ?? 30;
    const started = Date.now();
    await kubectl(c.ns, "delete", "pod", w.metadata!.name!, "--wait=true", `--timeout=${grace + 30}s`);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(grace);
    // A container that outlived its grace period would have been killed: the kubelet says so in an Event.
    expect(await kubectl(c.ns, "get", "events", "-o", "jsonpath={.items[*].message}")).not.toMatch(
      /exceeded grace period|Killing .* grace period/,
    );
    await waitForPhase(c, JOB, "Running", (x) => x.parallelism === 2);
  }, 240_000);

  it("places a GPU job's workers on the real node once it advertises nvidia.com/gpu, on CPU kernels", async () => {
    await kubectl("default", "label", "node", REAL_NODE_NAME, "nvidia.com/gpu.present=true", "--overwrite");
    await kubectl(
      "default",
      "patch",
      "node",
      REAL_NODE_NAME,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { capacity: { "nvidia.com/gpu": "1" } } }),
    );
    try {
      await applyJson(c.ns, {
        apiVersion: "sabot.dev/v1alpha1",
        kind: "StreamJob",
        metadata: { name: GPU_JOB },
        spec: spec(c.bucket, { gpu: { count: 1 }, checkpointing: undefined, upgradeMode: "stateless" }),
      });
      await waitForPhase(c, GPU_JOB, "Running");
      const [w] = await pods(c, `sabot.dev/job=${GPU_JOB},app.kubernetes.io/component=worker`);
      expect(w.spec?.nodeName).toBe(REAL_NODE_NAME);
      expect(w.spec?.containers[0].resources?.limits?.["nvidia.com/gpu"]).toBe("1");
      expect(w.spec?.containers[0].env?.find((e) => e.name === "SABOT_GPU")?.value).toBe("1");
      const logs = await waitFor(
        async () => {
          const text = await kubectl(c.ns, "logs", w.metadata!.name!);
          return /SABOT_GPU=1/.test(text) ? text : undefined;
        },
        { what: "the worker to report on CUDA", timeoutMs: 30_000 },
      );
      expect(logs).toMatch(/using CPU kernels/);
      await kubectl(c.ns, "delete", `streamjob/${GPU_JOB}`, "--wait=true", "--timeout=90s");
    } finally {
      await kubectl("default", "label", "node", REAL_NODE_NAME, "nvidia.com/gpu.present-");
      await kubectl(
        "default",
        "patch",
        "node",
        REAL_NODE_NAME,
        "--subresource=status",
        "--type=json",
        "-p",
        '[{"op":"remove","path":"/status/capacity/nvidia.com~1gpu"}]',
      ).catch(() => undefined);
    }
  }, 240_000);
});
