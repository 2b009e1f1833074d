import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DOCKER, sabotImage } from "../env/lib/image.js";
import { freePort } from "../env/lib/ports.js";
import { waitFor } from "../env/lib/wait.js";

const run = promisify(execFile);

async function docker(...args: string[]): Promise<string> {
  return (await run(DOCKER, args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

/**
 * What Kubernetes' restricted profile and the chart's pods enforce, enforced here by the runtime:
 * read-only root filesystem (an emptyDir-like tmpfs for /tmp only), uid 65532, no capabilities.
 */
const LOCKED_DOWN = [
  "--read-only",
  "--tmpfs",
  "/tmp",
  "--user",
  "65532:65532",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
];

/** Upper bound on the containers' life, longer than the test's own timeout. */
const LIFETIME_S = 300;

/** Sum of a Prometheus sample's values over all label sets matching `selector` (a line prefix). */
function sampleSum(text: string, selector: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(selector))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("the Sabot image", () => {
  const image = sabotImage();
  const name = `sabot-image-test-${randomBytes(4).toString("hex")}`;
  const containers: string[] = [];

  afterAll(async () => {
    if (containers.length > 0) await docker("rm", "-f", ...containers).catch(() => undefined);
  });

  it("runs as a non-root user by default", async () => {
    expect(await docker("image", "inspect", "-f", "{{.Config.User}}", image.ref)).toBe("65532:65532");
  });

  it("carries both Kafka clients built from source: librdkafka (with ssl, sasl and zstd) and the native json client", async () => {
    // The engine's own loader finds sabot_kafka.node; librdkafka reports the features it was built with.
    const script = [
      "const { nativeKafka } = await import('/app/dist/runtime/connectors/kafka/native-addon.js');",
      "nativeKafka();",
      "const { librdkafkaVersion, features } = (await import('@confluentinc/kafka-javascript')).default;",
      "console.log(JSON.stringify({ librdkafkaVersion, features }));",
    ].join(" ");
    const out = await docker(
      "run",
      "--rm",
      "--network",
      "none",
      ...LOCKED_DOWN,
      "--entrypoint",
      "node",
      image.ref,
      "--input-type=module",
      "-e",
      script,
    );
    const { librdkafkaVersion, features } = JSON.parse(out.split("\n").pop()!) as {
      librdkafkaVersion: string;
      features: string[];
    };
    expect(librdkafkaVersion).toBe("2.15.1");
    expect(features).toEqual(
      expect.arrayContaining(["ssl", "sasl_scram", "sasl_oauthbearer", "zstd", "lz4", "snappy", "gzip"]),
    );
  });

  it("runs a job whose worker loads the native addon, on a read-only root filesystem as uid 65532", async () => {
    const port = await freePort();
    // The coordinator's container owns the network namespace; the worker joins it, so the two
    // talk over loopback as in a pod, and the only published port is the worker's metrics on
    // the host's loopback. The endless generator job of the kind walkthrough needs no services.
    // Both are removed when they exit, and the coordinator exits after LIFETIME_S even if this
    // process dies before afterAll (the worker then gives up on it after its coordinator
    // timeout), so a killed test run leaves no job spinning on the machine's cores.
    containers.push(`${name}-coordinator`);
    await docker(
      "run",
      "-d",
      "--rm",
      "--name",
      `${name}-coordinator`,
      ...LOCKED_DOWN,
      // Plaintext, said explicitly (the processes refuse to start otherwise): this test is about the
      // image itself; mTLS from the image is exercised by the e2e tests on the real node.
      "-e",
      "SABOT_TLS=off",
      "-p",
      `127.0.0.1:${port}:9464`,
      "--entrypoint",
      "timeout",
      image.ref,
      String(LIFETIME_S),
      "node",
      "dist/bin/cli/main.js",
      "coordinator",
      "examples/kind/streamjob.yaml",
      "--parallelism",
      "1",
    );
    containers.push(`${name}-worker`);
    await docker(
      "run",
      "-d",
      "--rm",
      "--name",
      `${name}-worker`,
      ...LOCKED_DOWN,
      "--network",
      `container:${name}-coordinator`,
      // 0.0.0.0 inside the container: docker forwards the published port to the container's
      // bridge address, not to its loopback.
      "-e",
      "SABOT_BIND_ADDRESS=0.0.0.0",
      "-e",
      "SABOT_METRICS_PORT=9464",
      "-e",
      "SABOT_COORDINATOR_ADDRESS=127.0.0.1:7070",
      "-e",
      "SABOT_TLS=off",
      image.ref,
      "worker",
    );

    const metrics = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        // Running, not only started: records went through the worker's operators.
        return sampleSum(text, "sabot_operator_records_in_total{") > 0 ? text : undefined;
      },
      {
        what: `records through the worker in ${image.ref} (docker logs ${name}-worker)`,
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(metrics).toMatch(/^sabot_kernels_info\{impl="native"\} 1$/m);
    expect(metrics).not.toMatch(/^sabot_kernels_info\{impl="typescript"\}/m);
    expect(await docker("inspect", "-f", "{{.State.Running}}", `${name}-coordinator`)).toBe("true");
  });
});
