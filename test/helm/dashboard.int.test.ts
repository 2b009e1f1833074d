import type { Server } from "node:http";
import type { Producer } from "kafkajs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveOperatorHttp } from "../../operator/kube/http.js";
import { OperatorManager } from "../../operator/manager.js";
import { DEFAULT_SETTINGS, operatorSettings } from "../../operator/streamjob/resources/settings.js";
import { API_GROUP, API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { freePort } from "../env/lib/ports.js";
import { waitFor } from "../env/lib/wait.js";
import { testEnv } from "../helpers/env.js";
import { createTopic, useTestKafka } from "../helpers/kafka.js";
import { uniqueName } from "../helpers/names.js";
import { addScrapeTarget, type PromSample, queryPrometheus, removeScrapeTarget } from "../helpers/prometheus.js";
import { followScrapeTargets, type ScrapeSync } from "../helpers/scrape-sync.js";
import { SECRET, storageWorld } from "../operator/checkpoint/checkpoint-fixture.js";
import { kubeConfig } from "../operator/kube/kube.js";
import { dashboardQueries, loadDashboard, metricNames, substitute } from "./dashboard.js";

/**
 * Panels whose series only exist under conditions this test cannot create; their queries are still
 * sent to Prometheus, which must parse and evaluate them (status success), but may answer nothing.
 */
const NO_DATA_EXPECTED: Record<string, string> = {
  "Failed checkpoints in range":
    'sabot_checkpoints_total{result="failed"} appears only once a checkpoint fails, which needs the object store (shared by every test) to fail mid-checkpoint',
};

/**
 * Panels whose data may be zero here: every other query must answer a value above zero (rates
 * rise, a checkpoint completes, a late and an undecodable record arrive, the autoscaler decides).
 */
const ZERO_ALLOWED: Record<string, string> = {
  "Consumer lag per partition": "the job keeps up with the producer, so the lag is mostly 0",
  "Consumer lag per source": "as above",
  "Work queue depth": "the queue is empty between reconciles",
  "Backpressured share per subtask": "a window writing small Parquet files rarely waits on its sink",
};

const SCHEMA = [
  { name: "auction", type: "int64" },
  { name: "price", type: "int64" },
  { name: "dateTime", type: "timestamp[ms]" },
] as const;

/**
 * The dashboard's queries against the real Prometheus of the test environment, which scrapes the
 * real worker process of a distributed job (Kafka JSON source → keyBy → event-time window →
 * Parquet files on S3, checkpointing every 2 s) and the real operator's /metrics (the same
 * registry and HTTP handler `sabot operator` serves), with its autoscaler in dry-run mode. A
 * producer keeps the input topic moving, with a few records far behind the watermark (late) and
 * a few that are not JSON (undecodable), so every job panel has something to show.
 */
describe("the Grafana dashboard on the test environment's Prometheus", () => {
  const k = useTestKafka();
  const job = uniqueName("dash").slice(0, 40);
  let world: Awaited<ReturnType<typeof storageWorld>> | undefined;
  let operator: OperatorManager | undefined;
  let http: Server | undefined;
  let operatorTarget = "";
  let producer: Producer | undefined;
  let produceTimer: NodeJS.Timeout | undefined;
  let workers: ScrapeSync | undefined;

  beforeAll(async () => {
    const kc = kubeConfig();
    world = await storageWorld(kc, "dashboard");
    const { ns, runner, bucket, custom } = world;
    operator = new OperatorManager(
      kc,
      {
        settings: operatorSettings({
          image: "registry.k8s.io/pause:3.10",
          shutdownTimeoutSeconds: 5,
          preStopSleepSeconds: 1,
          lifecycle: { ...DEFAULT_SETTINGS.lifecycle, stableAfterMs: 2_000, pollIntervalMs: 500 },
        }),
        namespace: ns,
        identity: "dashboard-test-operator",
        lease: { namespace: ns, name: "sabot-operator-leader", durationMs: 3_000, retryPeriodMs: 300 },
        resyncMs: 5_000,
        coordinatorResolver: (j) => runner.coordinatorAddressNow(j.metadata.name),
        checkpoints: {
          observeIntervalMs: 2_000,
        },
        autoscaler: { tickMs: 1_000 },
      },
      pino({ level: process.env.SABOT_LOG_LEVEL ?? "warn" }),
    );
    operator.start();
    await waitFor(async () => operator!.isLeader, { what: "the operator to lead", timeoutMs: 15_000 });
    const port = await freePort();
    http = await serveOperatorHttp(operator.metrics.registry, "127.0.0.1", port);
    operatorTarget = `127.0.0.1:${port}`;
    await addScrapeTarget(testEnv(), operatorTarget);

    // Prometheus scrapes whichever worker processes the job's pods currently are.
    workers = followScrapeTargets(testEnv(), () => runner.workerMetricsTargets(job));

    const topic = await createTopic(k.admin, "dashboard-in", 2);
    producer = k.kafka.producer();
    await producer.connect();
    let auction = 0;
    produceTimer = setInterval(() => {
      const now = Date.now();
      const good = Array.from({ length: 100 }, () => ({
        value: JSON.stringify({ auction: auction++ % 50, price: auction % 997, dateTime: now }),
      }));
      // Ten minutes behind the watermark (maxOutOfOrderness 1s): the window drops it as late.
      const late = { value: JSON.stringify({ auction: 1, price: 1, dateTime: now - 600_000 }) };
      const bad = { value: "this is not json" };
      void producer!
        .sendBatch({
          topicMessages: [0, 1].map((partition) => ({
            topic,
            messages: [...good, late, bad].map((m) => ({ ...m, partition })),
          })),
        })
        .catch(() => undefined);
    }, 250);

    const brokers = testEnv().kafka.brokers;
    const spec: StreamJobSpec = {
      sources: {
        bids: {
          kafka: { bootstrapServers: brokers, topic, format: "json", startingOffsets: "earliest" },
          schema: SCHEMA.map((f) => ({ ...f })),
          eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
        },
      },
      pipeline: [
        { from: "bids", keyBy: ["auction"] },
        { window: { type: "tumbling", size: "2s" }, aggregate: ["count(*) AS bids", "max(price) AS top"] },
        { to: "out" },
      ],
      sinks: { out: { files: { path: `s3://${bucket}/out`, format: "parquet", rollInterval: "5s" } } },
      parallelism: 1,
      checkpointing: { interval: "2s", storage: `s3://${bucket}/state` },
      storageSecret: SECRET,
      autoscaler: {
        enabled: true,
        dryRun: true,
        maxParallelism: 2,
        metricWindow: "10s",
        prometheus: { url: testEnv().prometheus.url },
      },
    } as StreamJobSpec;
    await runner.coordinatorAddress(job);
    await custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: "v1alpha1",
      namespace: ns,
      plural: "streamjobs",
      body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: job }, spec },
    });
  }, 180_000);

  afterAll(async () => {
    if (produceTimer) clearInterval(produceTimer);
    await workers?.stop();
    await producer?.disconnect().catch(() => undefined);
    if (operatorTarget) await removeScrapeTarget(testEnv(), operatorTarget);
    http?.close();
    await operator?.stop();
    await world?.runner.stop();
    if (world) await world.core.deleteNamespace({ name: world.ns }).catch(() => undefined);
    world?.s3.destroy();
  }, 60_000);

  it("answers every panel's query with data from the job's worker and the operator", async () => {
    const w = world!;
    await waitFor(
      async () => {
        const s = (
          (await w.custom.getNamespacedCustomObject({
            group: API_GROUP,
            version: "v1alpha1",
            namespace: w.ns,
            plural: "streamjobs",
            name: job,
          })) as { status?: StreamJobStatus }
        ).status;
        return s?.phase === "Running" || undefined;
      },
      {
        what: `StreamJob ${job} to be Running (pods: ${w.runner.problems.join("; ") || "no problems"})`,
        timeoutMs: 120_000,
        intervalMs: 1_000,
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${w.runner.logs()}`);
    });

    const queries = dashboardQueries(loadDashboard()).map((q) => ({
      ...q,
      promql: substitute(q.expr, { namespace: ".*", job_name: job }),
    }));
    const answers = new Map<string, PromSample[]>();
    const key = (q: { panel: string; refId: string }) => `${q.panel} [${q.refId}]`;
    const enough = (q: { panel: string }, v: number) => Number.isFinite(v) && (v > 0 || q.panel in ZERO_ALLOWED);
    const missing = () =>
      queries.filter((q) => !(q.panel in NO_DATA_EXPECTED) && !answers.get(key(q))?.some((s) => enough(q, s.value)));
    try {
      // Counters need a few scrapes (and a checkpoint, a late record, an autoscaler tick) before rates exist.
      await waitFor(
        async () => {
          for (const q of missing()) answers.set(key(q), await queryPrometheus(testEnv(), q.promql));
          return missing().length === 0 || undefined;
        },
        { what: "every panel's query to return data", timeoutMs: 120_000, intervalMs: 2_000 },
      );
    } catch (err) {
      const last = (q: { panel: string; refId: string }) =>
        (answers.get(key(q)) ?? []).map((s) => `${JSON.stringify(s.labels)} = ${s.value}`).join(", ") || "no series";
      throw new Error(
        `${(err as Error).message}; still without data:\n${missing()
          .map((q) => `${key(q)}: ${q.promql}\n  answered: ${last(q)}`)
          .join("\n")}\n${w.runner.logs()}`,
      );
    }
    for (const q of queries.filter((q) => !(q.panel in NO_DATA_EXPECTED))) {
      const series = answers.get(key(q))!;
      expect(
        series.some((s) => enough(q, s.value)),
        key(q),
      ).toBe(true);
      // Job series are this job's only (the substitution picked it; other tests scrape other jobs).
      if (q.expr.includes("$job_name") && series[0].labels.job_name !== undefined)
        for (const s of series) expect(s.labels.job_name, key(q)).toBe(job);
    }

    // Operator series carry no job label: check that this test's operator target exports each one.
    const own = await queryPrometheus(testEnv(), `group by (__name__) ({instance="${operatorTarget}"})`);
    const ownNames = new Set(own.map((s) => s.labels.__name__));
    const operatorMetrics = [
      ...new Set(
        queries
          .flatMap((q) => metricNames(q.expr))
          .filter((n) => n.startsWith("sabot_operator_") && !/records_(in|out)|batch_rows/.test(n)),
      ),
    ];
    expect(operatorMetrics.length).toBeGreaterThan(5);
    expect(operatorMetrics.filter((n) => !ownNames.has(n))).toEqual([]);
  }, 300_000);

  it("has Prometheus parse and evaluate the queries of panels that cannot have data here", async () => {
    const excluded = dashboardQueries(loadDashboard()).filter((q) => q.panel in NO_DATA_EXPECTED);
    expect(excluded.map((q) => q.panel).sort()).toEqual(Object.keys(NO_DATA_EXPECTED).sort());
    // queryPrometheus throws on an error status (a parse error names the position).
    for (const q of excluded) await queryPrometheus(testEnv(), substitute(q.expr, { namespace: ".*", job_name: job }));
    // The check has teeth: a broken expression is refused.
    await expect(queryPrometheus(testEnv(), "sum by (job_name (rate(sabot_checkpoints_total[30s]))")).rejects.toThrow(
      /bad_data/,
    );
  });
});
