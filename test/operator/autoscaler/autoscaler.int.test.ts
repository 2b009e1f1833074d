import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "../../../operator/autoscaler/decision.js";
import { AutoscalerLoop } from "../../../operator/autoscaler/loop.js";
import { AutoscalerMetrics } from "../../../operator/autoscaler/metrics.js";
import { PrometheusClient } from "../../../operator/autoscaler/prometheus.js";
import { type ObservedMetrics, readJobMetrics } from "../../../operator/autoscaler/queries.js";
import { autoscalerSettings } from "../../../operator/autoscaler/settings.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { API_GROUP, API_VERSION } from "../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../../runtime/contract/status/streamjob.js";
import { freePort } from "../../env/lib/ports.js";
import { waitFor } from "../../env/lib/wait.js";
import { testEnv } from "../../helpers/env.js";
import { createTopic, useTestKafka } from "../../helpers/kafka.js";
import { uniqueName } from "../../helpers/names.js";
import { addScrapeTarget, queryPrometheus, removeScrapeTarget } from "../../helpers/prometheus.js";
import { TestCluster } from "../../runtime/distributed/cluster.js";
import { freshNamespace, installCrds, kubeConfig } from "../kube/kube.js";

const BIN = new URL("../../../bin/sabot.js", import.meta.url).pathname;
const WINDOW = "20s";
/** Rows/s the producer writes; one consumer (a 100-pane sliding window) handles about a third of it. */
const PRODUCE_RATE = 120_000;
const ROWS_PER_MESSAGE = 2000; // the producer's batch size: one arrow message per batch

const SCHEMA = [
  { name: "auction", type: "int64" },
  { name: "bidder", type: "int64" },
  { name: "price", type: "int64" },
  { name: "dateTime", type: "timestamp[ms]" },
];

function producerSpec(brokers: string[], topic: string): object {
  return {
    sources: {
      bids: { generator: { kind: "nexmark-bid", seed: 3, ratePerSecond: PRODUCE_RATE, batchSize: ROWS_PER_MESSAGE } },
    },
    pipeline: [{ from: "bids", select: ["auction", "bidder", "price", "dateTime"] }, { to: "out" }],
    sinks: { out: { kafka: { bootstrapServers: brokers, topic, format: "arrow" } } },
  };
}

function consumerSpec(brokers: string[], topic: string, autoscaler: StreamJobSpec["autoscaler"]): StreamJobSpec {
  return {
    sources: {
      bids: {
        kafka: { bootstrapServers: brokers, topic, format: "arrow", startingOffsets: "earliest" },
        schema: SCHEMA,
        eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
      },
    },
    pipeline: [
      { from: "bids", keyBy: ["bidder"] },
      {
        window: { type: "sliding", size: "10s", slide: "100ms" },
        aggregate: ["count(distinct auction) AS n", "max(price) AS top"],
      },
      { filter: "n < 0" },
      { to: "out" },
    ],
    sinks: { out: { console: { maxRows: 1 } } },
    parallelism: 1,
    ...(autoscaler ? { autoscaler } : {}),
  } as unknown as StreamJobSpec;
}

function manifest(name: string, spec: object): string {
  const file = join(mkdtempSync(join(tmpdir(), "sabot-autoscaler-")), `${name}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec }));
  return file;
}

function run(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, "run", "-q", file, ...args], {
    stdio: "ignore",
    env: { ...process.env, SABOT_LOG_LEVEL: "warn" },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const timeline: string[] = [];
const note = (what: string) => {
  timeline.push(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${what}`);
};

/**
 * Real worker processes read a real Kafka topic and are scraped by the real Prometheus: the
 * autoscaler's queries must see what happens (a producer outpacing one worker), and the decision
 * on those numbers must scale up. Then the loop, against the real API server, writes the decision
 * into status.autoscaler, records an Event and patches spec.parallelism through /scale.
 */
describe("autoscaler on real metrics", () => {
  const k = useTestKafka();
  const procs: ChildProcess[] = [];
  const cluster = new TestCluster();
  let target = "";
  let producerTarget = "";
  const producer = uniqueName("as-producer");
  let topic = "";
  const job = uniqueName("as-consumer");
  let kc: KubeConfig;
  let ns = "";
  let custom: CustomObjectsApi;
  let loop: AutoscalerLoop;
  let promUrl = "";

  beforeAll(async () => {
    promUrl = testEnv().prometheus.url;
    const brokers = testEnv().kafka.brokers;
    topic = await createTopic(k.admin, "autoscale-in", 4);
    // The producer is throttled, so its event loop is free between batches and its /metrics answers.
    const producerPort = await freePort();
    producerTarget = `127.0.0.1:${producerPort}`;
    await addScrapeTarget(testEnv(), producerTarget);
    procs.push(
      run(manifest(producer, producerSpec(brokers, topic)), [
        "--duration",
        "150s",
        "--metrics-port",
        String(producerPort),
      ]),
    );
    note(`producer started: ${PRODUCE_RATE} rows/s into ${topic} (4 partitions)`);
    // The consumer as it runs in pods: a coordinator and one `sabot worker` serving /metrics.
    // (`sabot run` in one process does not yield to I/O while its source has data, so its
    // /metrics misses the 1 s scrape timeout under load; see docs/autoscaler.md, "Limits".)
    const port = await freePort();
    target = `127.0.0.1:${port}`;
    await addScrapeTarget(testEnv(), target);
    const address = await cluster.startCoordinator(
      cluster.writeManifest(job, { name: job, spec: consumerSpec(brokers, topic, undefined) }),
      1,
    );
    procs.push(
      spawn(process.execPath, [BIN, "worker"], {
        stdio: "ignore",
        env: {
          ...process.env,
          SABOT_LOG_LEVEL: "warn",
          SABOT_COORDINATOR_ADDRESS: address,
          SABOT_WORKER_ID: `${job}-worker-0`,
          SABOT_TLS_DIR: cluster.tlsDirs.worker,
          SABOT_METRICS_PORT: String(port),
        },
      }),
    );
    note(`consumer ${job} started at parallelism 1 (coordinator ${address}), worker scraped at ${target}`);

    kc = kubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrds(kc);
    ns = await freshNamespace(kc, "autoscaler");
    loop = new AutoscalerLoop(
      kc,
      { namespace: ns, metrics: new AutoscalerMetrics(new Registry()), env: {} },
      pino({ level: "warn" }),
    );
  });

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await cluster.dispose();
    if (target) await removeScrapeTarget(testEnv(), target);
    if (producerTarget) await removeScrapeTarget(testEnv(), producerTarget);
    console.log(`autoscaler timeline:\n${timeline.join("\n")}`);
  });

  const ref = (namespace = ns) => ({ group: API_GROUP, version: "v1alpha1", namespace, plural: "streamjobs" });
  async function createJob(
    name: string,
    autoscaler: StreamJobSpec["autoscaler"],
    status: StreamJobStatus,
    namespace = ns,
  ): Promise<void> {
    const spec = consumerSpec(testEnv().kafka.brokers, topic, autoscaler);
    await custom.createNamespacedCustomObject({
      ...ref(namespace),
      body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec },
    });
    // No reconciler in this test: the job is reported Running as the controller would, once its workers are ready.
    const cur = (await custom.getNamespacedCustomObject({ ...ref(namespace), name })) as StreamJob;
    await custom.replaceNamespacedCustomObjectStatus({ ...ref(namespace), name, body: { ...cur, status } });
  }
  const getJob = async (name: string, namespace = ns) =>
    (await custom.getNamespacedCustomObject({ ...ref(namespace), name })) as StreamJob;

  it("first sight of a job only starts the metric window", async () => {
    await createJob(
      job,
      {
        enabled: true,
        metricWindow: WINDOW,
        stabilizationWindow: "30s",
        catchUpDuration: "60s",
        restartTime: "10s",
        prometheus: { url: promUrl },
      },
      { phase: "Running", parallelism: 1 },
    );
    const first = await loop.evaluate(ns, job);
    note(`evaluation: ${first!.decision.reason}: ${first!.decision.message}`);
    expect(first!.decision.reason).toMatch(/WarmingUp|MissingMetrics|Restarting/);
    expect(first!.applied).toBe(false);
    expect((await getJob(job)).status!.autoscaler!.conditions![0]).toMatchObject({
      type: "AutoscalerReady",
      status: "False",
    });
  });

  it("measures input rate, busy time and lag of a worker that falls behind, and decides to scale up", async () => {
    const client = new PrometheusClient(promUrl);
    const windowMs = 20_000;
    const m: ObservedMetrics = await waitFor(
      async () => {
        const got = await readJobMetrics(client, job, windowMs);
        return got.subtasks > 0 && (got.coverageSeconds ?? 0) >= 18 && got.lag !== null && got.lag > 0
          ? got
          : undefined;
      },
      { what: `a full ${WINDOW} window of metrics for ${job}`, timeoutMs: 90_000, intervalMs: 1000 },
    );
    // What the producer really writes (it shares two cores with the consumer and other tests),
    // from its own sink counter: independent of the consumer's metrics under test.
    const [produced] = await queryPrometheus(
      testEnv(),
      `sum(rate(sabot_sink_records_total{job_name="${producer}"}[${WINDOW}]))`,
    );
    const produceRate = produced?.value ?? Number.NaN;
    const inputRate = m.sourceRate + (m.lagGrowth ?? 0);
    note(`producer measured at ${Math.round(produceRate)} rows/s (its own sink counter over the last ${WINDOW})`);
    note(
      `metrics: read ${Math.round(m.sourceRate)}/s, lag ${m.lag} (${Math.round(m.lagGrowth ?? 0)}/s) → input ${Math.round(inputRate)}/s; busy ${(m.busySum * 100).toFixed(0)}%, backpressured ${(m.backpressuredAvg * 100).toFixed(0)}%, ${m.partitions} partitions`,
    );
    expect(m.subtasks).toBe(1);
    expect(m.partitions).toBe(4);
    expect(m.sourceRate).toBeGreaterThan(1000);
    expect(m.sourceRate).toBeLessThan(produceRate);
    // The consumer is the bottleneck: busy most of the time, and the lag grows.
    expect(m.busySum).toBeGreaterThan(0.3);
    expect(m.busySum).toBeLessThanOrEqual(1);
    expect(m.lagGrowth!).toBeGreaterThan(0);
    // Input (read rate + lag growth) = what the producer writes; deriv() over a lag gauge the
    // source refreshes every 5 s, in messages converted to records, is coarse: hence the tolerance.
    expect(inputRate).toBeGreaterThan(produceRate * 0.65);
    expect(inputRate).toBeLessThan(produceRate * 1.35);

    const settings = autoscalerSettings(
      consumerSpec([], topic, { enabled: true, metricWindow: WINDOW, catchUpDuration: "60s", restartTime: "10s" }),
      {},
    );
    const d = decide(
      {
        nowMs: Date.now(),
        current: 1,
        ready: 1,
        running: true,
        parallelismSinceMs: 0,
        streamSources: ["bids"],
        sourcesWithoutLag: [],
        metrics: m,
        history: [],
      },
      settings,
    );
    note(`decision on these numbers: ${d.reason} → ${d.recommended}: ${d.message}`);
    expect(d.reason).toBe("ScaleUp");
    expect(d.recommended).toBeGreaterThanOrEqual(2);
    expect(d.recommended).toBeLessThanOrEqual(4);
  });

  it("the loop writes status.autoscaler, records an Event and patches spec.parallelism through /scale", async () => {
    await sleep(
      Math.max(0, 21_000 - (Date.now() - Date.parse((await getJob(job)).status!.autoscaler!.observedSince!))),
    );
    const ev = await loop.evaluate(ns, job);
    note(`evaluation: ${ev!.decision.reason} (applied ${ev!.applied}): ${ev!.decision.message}`);
    expect(ev!.decision.reason).toBe("ScaleUp");
    expect(ev!.applied).toBe(true);
    const after = await getJob(job);
    expect(after.spec.parallelism).toBe(ev!.decision.recommended);
    const a = after.status!.autoscaler!;
    expect(a.lastDecision).toMatchObject({
      current: 1,
      recommended: after.spec.parallelism,
      applied: true,
      reason: "ScaleUp",
    });
    expect(a.lastDecision!.inputs!.lag).toBeGreaterThan(0);
    expect(a.history).toHaveLength(1);
    expect(a.history![0]).toMatchObject({ from: 1, to: after.spec.parallelism, trigger: "autoscaler" });
    expect(a.history![0].expectedCapacity).toBeGreaterThan(a.history![0].capacityBefore!);
    expect(a.conditions![0]).toMatchObject({ type: "AutoscalerReady", status: "True" });
    const events = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${job}` });
    expect(events.items.map((e) => e.reason)).toContain("AutoscalerScaleUp");

    // Until the job runs at the new parallelism, nothing else is decided.
    const waiting = await loop.evaluate(ns, job);
    note(`evaluation: ${waiting!.decision.reason}: ${waiting!.decision.message}`);
    expect(waiting!.decision.reason).toBe("RescaleInProgress");

    // A user scales by hand meanwhile: taken as the new current value, recorded, and held.
    await custom.patchNamespacedCustomObjectScale(
      { ...ref(), name: job, body: { spec: { replicas: 1 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const manual = await loop.evaluate(ns, job);
    note(`after kubectl scale to 1: ${manual!.decision.reason}: ${manual!.decision.message}`);
    const h = (await getJob(job)).status!.autoscaler!.history!;
    expect(h.at(-1)).toMatchObject({ trigger: "manual", from: after.spec.parallelism, to: 1 });
    expect(manual!.decision.current).toBe(1);
    expect(manual!.applied).toBe(false);
  });

  it("dry run records the recommendation without applying it; no Prometheus is a condition, not silence", async () => {
    // The same job name in another namespace reads the same (real) metrics. Its status says the
    // autoscaler has watched it for a minute already, so the window is settled.
    const ns2 = await freshNamespace(kc, "autoscaler-dry");
    const watched = {
      observedParallelism: 1,
      observedSince: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
    };
    await createJob(
      job,
      {
        enabled: true,
        dryRun: true,
        metricWindow: WINDOW,
        catchUpDuration: "60s",
        restartTime: "10s",
        prometheus: { url: promUrl },
      },
      { phase: "Running", parallelism: 1, autoscaler: watched },
      ns2,
    );
    const e = await loop.evaluate(ns2, job);
    note(
      `dry-run twin: ${e!.decision.reason} → ${e!.decision.recommended} (applied ${e!.applied}): ${e!.decision.message}`,
    );
    expect(e!.decision).toMatchObject({ reason: "ScaleUp", applied: false });
    expect(e!.decision.message).toMatch(/^dry run, not applied/);
    const twin = await getJob(job, ns2);
    expect(twin.spec.parallelism).toBe(1);
    expect(twin.status!.autoscaler!.dryRun).toBe(true);
    expect(twin.status!.autoscaler!.history).toEqual([
      expect.objectContaining({ trigger: "dry-run", from: 1, to: e!.decision.recommended }),
    ]);
    // The same recommendation again is not recorded twice.
    await loop.evaluate(ns2, job);
    expect((await getJob(job, ns2)).status!.autoscaler!.history).toHaveLength(1);

    const blind = uniqueName("as-noprom");
    await createJob(blind, { enabled: true }, { phase: "Running", parallelism: 1 });
    const b = await loop.evaluate(ns, blind);
    note(`job without a Prometheus URL: ${b!.decision.reason}: ${b!.decision.message}`);
    expect(b!.decision.reason).toBe("NoPrometheus");
    const cond = (await getJob(blind)).status!.autoscaler!.conditions![0];
    expect(cond).toMatchObject({ type: "AutoscalerReady", status: "False", reason: "NoPrometheus" });
    expect(cond.message).toMatch(/SABOT_OPERATOR_PROMETHEUS_URL/);
    const events = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${blind}` });
    expect(events.items.map((x) => x.reason)).toContain("AutoscalerNoPrometheus");
  });
});
