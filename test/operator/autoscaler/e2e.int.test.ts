import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { tableFromIPC } from "apache-arrow";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorManager } from "../../../operator/manager.js";
import { DEFAULT_SETTINGS, operatorSettings } from "../../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { waitFor } from "../../env/lib/wait.js";
import { testEnv } from "../../helpers/env.js";
import { createTopic, useTestKafka } from "../../helpers/kafka.js";
import { uniqueName } from "../../helpers/names.js";
import { PodRunner } from "../../helpers/pod-runner.js";
import { followScrapeTargets, type ScrapeSync } from "../../helpers/scrape-sync.js";
import { SECRET, s3Client } from "../checkpoint/checkpoint-fixture.js";
import { freshNamespace, installCrds, kubeConfig } from "../kube/kube.js";

const BIN = new URL("../../../bin/sabot.js", import.meta.url).pathname;
const JOB = "autoscaled";
const SCHEMA = [
  { name: "auction", type: "int64" },
  { name: "bidder", type: "int64" },
  { name: "price", type: "int64" },
  { name: "dateTime", type: "timestamp[ms]" },
];
/** Phase 1 outpaces one worker; phase 2 is a trickle, so the job can scale back down. */
const BURST = { seed: 7, count: 1_200_000, rate: 50_000 };
const TRICKLE = { seed: 8, count: 100_000, rate: 1_500 };

/**
 * Stateless but CPU-heavy (string building per row): about 55K rows/s per worker on an idle
 * 2-core machine (less when other work shares it), below the burst's 50K/s with the lag to drain.
 */
function burn(): StreamJobSpec["pipeline"] {
  const exprs = Array.from(
    { length: 27 },
    (_, i) =>
      `UPPER(CONCAT(CAST(auction * ${i + 1} AS VARCHAR), '-', CAST(bidder + ${i + 1} AS VARCHAR), '-', CAST(price * ${i + 3} AS VARCHAR))) AS k${i + 1}`,
  );
  return [
    { from: "bids", select: exprs },
    { filter: Array.from({ length: 27 }, (_, i) => `k${i + 1} LIKE '%ZZ${i + 1}%'`).join(" OR ") },
    { to: "nothing" },
    { from: "bids", to: "out" },
  ] as StreamJobSpec["pipeline"];
}

function producer(brokers: string[], topic: string, p: typeof BURST): string {
  const file = join(mkdtempSync(join(tmpdir(), "sabot-e2e-")), "producer.json");
  const spec = {
    sources: {
      bids: {
        generator: { kind: "nexmark-bid", seed: p.seed, count: p.count, ratePerSecond: p.rate, batchSize: 2000 },
      },
    },
    pipeline: [{ from: "bids", select: ["auction", "bidder", "price", "dateTime"] }, { to: "out" }],
    sinks: { out: { kafka: { bootstrapServers: brokers, topic, format: "arrow" } } },
  };
  writeFileSync(
    file,
    JSON.stringify({ apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: `e2e-producer-${p.seed}` }, spec }),
  );
  return file;
}

/**
 * The whole loop: a producer outpaces a job at parallelism 1; the operator's autoscaler (reading
 * the real Prometheus scraping the job's real worker processes) scales it up through the
 * lifecycle's stop-with-savepoint path; the lag drains; the producer slows to a trickle and the
 * job scales back down after the stabilization window; the exactly-once Kafka sink's output holds
 * every input row exactly once across both rescales.
 */
describe("autoscaler end to end", () => {
  const k = useTestKafka();
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let ns = "";
  let runner: PodRunner;
  let operator: OperatorManager;
  let input = "";
  let output = "";
  const procs: ChildProcess[] = [];
  let scrapeSync: ScrapeSync | undefined;
  const t0 = Date.now();
  const timeline: string[] = [];
  const note = (s: string) => timeline.push(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${s}`);

  beforeAll(async () => {
    kc = kubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await installCrds(kc);
    ns = await freshNamespace(kc, "autoscale-e2e");
    const { s3 } = testEnv();
    const bucket = uniqueName("autoscale");
    const s3c = s3Client();
    await s3c.send(new CreateBucketCommand({ Bucket: bucket }));
    s3c.destroy();
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: SECRET },
        stringData: {
          AWS_ACCESS_KEY_ID: s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
          AWS_REGION: s3.region,
          AWS_ENDPOINT_URL_S3: s3.endpoint,
        },
      },
    });
    runner = await PodRunner.start({
      kc,
      namespace: ns,
      extraEnv: { SABOT_HEARTBEAT_INTERVAL: "500ms", SABOT_HEARTBEAT_TIMEOUT: "5s" },
    });
    await runner.coordinatorAddress(JOB);
    operator = new OperatorManager(
      kc,
      {
        settings: operatorSettings({
          image: "registry.k8s.io/pause:3.10",
          shutdownTimeoutSeconds: 10,
          preStopSleepSeconds: 1,
          lifecycle: {
            ...DEFAULT_SETTINGS.lifecycle,
            stableAfterMs: 2_000,
            pollIntervalMs: 300,
            savepointTimeoutMs: 60_000,
          },
        }),
        namespace: ns,
        identity: "autoscale-e2e",
        lease: { namespace: ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
        resyncMs: 10_000,
        coordinatorResolver: (job) => runner.coordinatorAddressNow(job.metadata.name),
        checkpoints: {
          observeIntervalMs: 2_000,
        },
        autoscaler: { tickMs: 1_000 },
      },
      pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" }),
    );
    operator.start();
    await waitFor(async () => operator.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });

    // Prometheus scrapes whichever worker processes the pods currently are.
    scrapeSync = followScrapeTargets(testEnv(), () => runner.workerMetricsTargets(JOB));

    const brokers = testEnv().kafka.brokers;
    input = await createTopic(k.admin, "e2e-in", 4);
    output = await createTopic(k.admin, "e2e-out", 2);
    const spec = {
      sources: {
        bids: {
          kafka: { bootstrapServers: brokers, topic: input, format: "arrow", startingOffsets: "earliest" },
          schema: SCHEMA,
        },
      },
      pipeline: burn(),
      sinks: {
        nothing: { console: { maxRows: 0 } },
        out: { kafka: { bootstrapServers: brokers, topic: output, format: "arrow" } },
      },
      parallelism: 1,
      upgradeMode: "savepoint",
      checkpointing: { interval: "2s", storage: `s3://${bucket}/state`, mode: "exactly-once" },
      storageSecret: SECRET,
      autoscaler: {
        enabled: true,
        maxParallelism: 2,
        metricWindow: "20s",
        stabilizationWindow: "30s",
        catchUpDuration: "30s",
        restartTime: "20s",
        scaleDownMaxFactor: 1,
        prometheus: { url: testEnv().prometheus.url },
      },
    };
    await custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: "v1alpha1",
      namespace: ns,
      plural: "streamjobs",
      body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: JOB }, spec },
    });
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await scrapeSync?.stop();
    await custom
      ?.deleteCollectionNamespacedCustomObject({
        group: API_GROUP,
        version: "v1alpha1",
        namespace: ns,
        plural: "streamjobs",
      })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3_000));
    await operator?.stop();
    await runner?.stop();
    console.log(`autoscaler end-to-end timeline:\n${timeline.join("\n")}`);
  }, 60_000);

  const status = async () =>
    (
      (await custom.getNamespacedCustomObject({
        group: API_GROUP,
        version: "v1alpha1",
        namespace: ns,
        plural: "streamjobs",
        name: JOB,
      })) as { status?: StreamJobStatus }
    ).status;
  let last = "";
  /** Lag (records) as the autoscaler measured it, by decision time. */
  const lags: { at: number; lag: number }[] = [];
  /** Polls the job, noting every change of phase, parallelism or decision, until `done` holds. */
  async function follow(
    what: string,
    done: (s: StreamJobStatus) => boolean,
    timeoutMs: number,
  ): Promise<StreamJobStatus> {
    return waitFor(
      async () => {
        const s = await status();
        if (!s) return undefined;
        const d = s.autoscaler?.lastDecision;
        if (d?.inputs?.lag !== undefined && lags.at(-1)?.at !== Date.parse(d.time))
          lags.push({ at: Date.parse(d.time), lag: d.inputs.lag });
        const line = `${s.phase} parallelism ${s.parallelism}/${s.desiredParallelism}; autoscaler ${d ? `${d.reason} ${d.current}→${d.recommended}${d.applied ? " (applied)" : ""}` : "-"}`;
        if (line !== last) {
          last = line;
          note(`${line}${d ? `: ${d.message}` : ""}`);
        }
        return done(s) ? s : undefined;
      },
      { what, timeoutMs, intervalMs: 1000 },
    );
  }

  it("scales up under a burst, drains the lag, scales down after the stabilization window, with exactly-once output", async () => {
    await follow("the job to run", (s) => s.phase === "Running" && s.parallelism === 1, 90_000);
    // The trickle follows the burst at once, so input keeps arriving through the scale-down.
    const producersDone = new Promise<void>((resolve) => {
      const burst = spawn(process.execPath, [BIN, "run", "-q", producer(testEnv().kafka.brokers, input, BURST)], {
        stdio: "ignore",
      });
      procs.push(burst);
      burst.once("exit", () => {
        note(`burst producer done; trickle: ${TRICKLE.count} rows at ${TRICKLE.rate}/s`);
        const trickle = spawn(process.execPath, [BIN, "run", "-q", producer(testEnv().kafka.brokers, input, TRICKLE)], {
          stdio: "ignore",
        });
        procs.push(trickle);
        trickle.once("exit", () => {
          note("trickle producer done");
          resolve();
        });
      });
    });
    note(`burst producer: ${BURST.count} rows at ${BURST.rate}/s`);

    const up = await follow(
      "a scale-up applied by the autoscaler",
      (s) => (s.autoscaler?.history ?? []).some((r) => r.trigger === "autoscaler" && r.to > r.from),
      120_000,
    );
    const upRecord = up.autoscaler!.history!.find((r) => r.trigger === "autoscaler" && r.to > r.from)!;
    expect(upRecord).toMatchObject({ from: 1, to: 2 });
    await follow(
      "the job to run at parallelism 2",
      (s) => s.phase === "Running" && s.parallelism === 2 && s.autoscaler?.lastDecision?.reason !== "RescaleInProgress",
      150_000,
    );

    const down = await follow(
      "a scale-down applied by the autoscaler",
      (s) => (s.autoscaler?.history ?? []).some((r) => r.trigger === "autoscaler" && r.to < r.from),
      240_000,
    );
    const downRecord = down.autoscaler!.history!.find((r) => r.trigger === "autoscaler" && r.to < r.from)!;
    expect(downRecord).toMatchObject({ from: 2, to: 1 });
    // Between the scale-up taking effect and the scale-down, the lag drained below 1% of the burst.
    const drained = lags.filter((x) => x.at > Date.parse(upRecord.time) && x.at <= Date.parse(downRecord.time));
    note(`lag measured after the scale-up: ${drained.map((x) => x.lag).join(", ")}`);
    expect(Math.min(...drained.map((x) => x.lag))).toBeLessThan(BURST.count / 100);
    const rescaleUp = down.autoscaler!.history!.find(
      (r) => r === upRecord || (r.trigger === "autoscaler" && r.to > r.from),
    )!;
    note(
      `scale-up restart took ${rescaleUp.restartSeconds}s; effectiveness ${rescaleUp.effectiveness ?? "not measured"}`,
    );
    await follow(
      "the job to run at parallelism 1",
      (s) => s.phase === "Running" && s.parallelism === 1 && s.autoscaler?.lastDecision?.reason !== "RescaleInProgress",
      150_000,
    );

    // Every input row exactly once in the committed output.
    await producersDone;
    const expected = BURST.count + TRICKLE.count;
    const got = await readArrowRows(output, expected, 240_000);
    const want = await readArrowRows(input, expected, 60_000);
    note(`output: ${got.length} rows committed for ${want.length} input rows`);
    expect(got.length).toBe(want.length);
    expect(got.sort()).toEqual(want.sort());
  }, 900_000);

  /** Every row of an arrow topic (read_committed), as comparable strings, once `expected` arrived. */
  async function readArrowRows(topic: string, expected: number, timeoutMs: number): Promise<string[]> {
    const consumer = k.kafka.consumer({ groupId: uniqueName("e2e-reader"), readUncommitted: false });
    const rows: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`read ${rows.length} of ${expected} rows from ${topic}`)),
          timeoutMs,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (!message.value) return;
            const t = tableFromIPC(message.value);
            const cols = ["auction", "bidder", "price", "dateTime"].map((c) => t.getChild(c)!);
            for (let i = 0; i < t.numRows; i++) rows.push(cols.map((c) => String(c.get(i))).join("|"));
            if (rows.length >= expected) {
              clearTimeout(timer);
              // A little longer: duplicates would arrive after the expected count.
              setTimeout(resolve, 3000);
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return rows;
  }
});
