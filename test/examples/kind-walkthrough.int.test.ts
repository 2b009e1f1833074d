import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { onRealNode } from "../e2e/real-cluster.js";
import { sabotImage } from "../env/lib/image.js";
import { kubectlPath } from "../env/services/kube.js";
import { helmBinary } from "../helm/helm.js";
import { testEnv } from "../helpers/env.js";

/**
 * examples/kind/walkthrough.sh, step by step as a user runs it, against the test environment's real
 * node instead of kind (CLUSTER_PROVIDER=existing, BUILD=0: the image is already in the node's
 * containerd). Only the placement differs: chart values and the StreamJob's pod template that
 * tolerate the real node's taint, which keeps the other tests' pods on the kwok nodes.
 */
describe("examples/kind/walkthrough.sh on the real node", () => {
  const dir = mkdtempSync(join(tmpdir(), "walkthrough-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs the operator, runs the quick-start StreamJob to Running, shows its windows and cleans up", async () => {
    const values = join(dir, "values.yaml");
    writeFileSync(values, yaml.dump(onRealNode()));
    const job = yaml.load(readFileSync("examples/kind/streamjob.yaml", "utf8")) as { spec: Record<string, unknown> };
    job.spec.podTemplate = { spec: onRealNode() };
    const streamjob = join(dir, "streamjob.yaml");
    writeFileSync(streamjob, yaml.dump(job));

    const { stdout } = await promisify(execFile)("bash", ["examples/kind/walkthrough.sh"], {
      env: {
        ...process.env,
        PATH: `${dirname(kubectlPath())}:${dirname(helmBinary())}:${process.env.PATH ?? ""}`,
        KUBECONFIG: testEnv().kube.kubeconfig,
        CLUSTER_PROVIDER: "existing",
        BUILD: "0",
        IMAGE: sabotImage().ref,
        HELM_VALUES: values,
        STREAMJOB: streamjob,
        RUN_SECONDS: "20",
      },
      timeout: 540_000,
      maxBuffer: 64 * 2 ** 20,
    });
    expect(stdout).toMatch(/quickstart\s+Running/);
    // The console sink of a worker printed windows of bids (its header names the aggregates).
    expect(stdout).toMatch(/top_price/);
    expect(stdout).toMatch(/Cleaning up/);
  }, 600_000);
});
