import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { COORDINATOR_NONSENSE } from "../../../operator/streamjob/coordinator-answer.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { tlsSecretName } from "../../../operator/streamjob/resources/tls-secret.js";
import type { Condition } from "../../../runtime/contract/status/condition.js";
import { waitFor } from "../../env/lib/wait.js";
import {
  type CheckpointWorld,
  createJob,
  eventReasons,
  jobStatus,
  logsOnFailure,
  runningJobSpec,
  storageWorld,
  waitForCoordinatorRunning,
} from "../checkpoint/checkpoint-fixture.js";
import { kubeConfig } from "../kube/kube.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const JOB = "rogue";

/**
 * A coordinator that answers garbage, on the real API server: the job's pods run as processes (pod
 * runner), but the operator's address for the job's coordinator is a fake coordinator process
 * (fake-coordinator.ts) serving the Control API behind mTLS with the coordinator certificate of the
 * job's own TLS Secret, so the operator dials it exactly as the real one. The fake answers an
 * unknown job state while a file exists.
 */
describe("a coordinator answering nonsense, with the operator on a real API server", () => {
  let w: CheckpointWorld | undefined;
  let fakeAddress: string | undefined;
  let fake: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), "sabot-nonsense-"));
  const nonsense = join(dir, "nonsense");

  beforeAll(async () => {
    const world = await storageWorld(kubeConfig(), "nonsense");
    const operator = new OperatorManager(
      world.kc,
      {
        settings: operatorSettings({ image: "registry.k8s.io/pause:3.10", shutdownTimeoutSeconds: 5 }),
        namespace: world.ns,
        identity: "nonsense-test-operator",
        lease: { namespace: world.ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
        resyncMs: 10_000,
        coordinatorResolver: (job: StreamJob) =>
          job.metadata.name === JOB && fakeAddress
            ? fakeAddress
            : world.runner.coordinatorAddressNow(job.metadata.name),
        checkpoints: { observeIntervalMs: 500, pollMs: 300, backoff: { baseMs: 300, maxMs: 2_000 } },
      },
      pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" }),
    );
    operator.start();
    await waitFor(async () => operator.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });
    w = {
      ...world,
      operator,
      async stop() {
        await operator.stop();
        await world.runner.stop();
        await world.core.deleteNamespace({ name: world.ns });
        world.s3.destroy();
      },
    };
  });
  afterAll(async () => {
    fake?.kill("SIGKILL");
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  logsOnFailure(() => w);

  /** The fake coordinator with the job's coordinator certificate, as its pod mounts it. */
  async function startFake(world: CheckpointWorld): Promise<string> {
    const secret = await world.core.readNamespacedSecret({
      name: tlsSecretName({ metadata: { name: JOB } } as StreamJob),
      namespace: world.ns,
    });
    const tls = join(dir, "tls");
    mkdirSync(tls, { recursive: true });
    const file = (k: string) => Buffer.from(secret.data?.[k] ?? "", "base64");
    writeFileSync(join(tls, "ca.crt"), file("ca.crt"));
    writeFileSync(join(tls, "tls.crt"), file("coordinator.crt"));
    writeFileSync(join(tls, "tls.key"), file("coordinator.key"));
    fake = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "test/operator/streamjob/fake-coordinator.ts"), tls, nonsense],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    return new Promise((resolve, reject) => {
      let out = "";
      fake!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      fake!.on("exit", (code) => reject(new Error(`fake coordinator exited ${code}: ${out}`)));
    });
  }

  const degraded = async (): Promise<Condition | undefined> =>
    (await jobStatus(w!, JOB))?.conditions?.find((c) => c.type === "Degraded");

  it("goes Degraded with reason CoordinatorNonsense while the answers are garbage, and back when they make sense; the operator keeps running", async () => {
    const world = w!;
    await createJob(world, JOB, runningJobSpec());
    await waitForCoordinatorRunning(world, JOB);
    await waitFor(async () => (await jobStatus(world, JOB))?.phase === "Running", {
      what: "phase Running",
      timeoutMs: 60_000,
    });
    writeFileSync(nonsense, "");
    fakeAddress = await startFake(world);
    const bad = await waitFor(
      async () => {
        const c = await degraded();
        return c?.status === "True" && c.reason === COORDINATOR_NONSENSE ? c : undefined;
      },
      { what: "Degraded=True CoordinatorNonsense", timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(bad.message).toContain('an unknown job state "BANANA"');
    expect(await eventReasons(world, "StreamJob", JOB)).toContain(COORDINATOR_NONSENSE);
    // Several observer rounds and a reconcile later (resync 10 s) it still says so: not undone by the reconciler.
    await new Promise((r) => setTimeout(r, 11_000));
    expect(await degraded()).toMatchObject({ status: "True", reason: COORDINATOR_NONSENSE });
    expect((await jobStatus(world, JOB))?.phase).toBe("Running");
    expect(world.operator.isLeader).toBe(true);

    rmSync(nonsense);
    await waitFor(async () => ((await degraded())?.status === "False" ? true : undefined), {
      what: "Degraded=False once the answers make sense",
      timeoutMs: 30_000,
      intervalMs: 300,
    });
    expect(await degraded()).toMatchObject({ reason: "AsExpected" });
  });
});
