import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";
import { waitFor } from "../env/lib/wait.js";
import { REAL_NODE_NAME } from "../env/services/node-network.js";
import { testEnv } from "../helpers/env.js";
import { createTopic, numberedKafkaSource, produceNumbered, testKafka, useTestKafka } from "../helpers/kafka.js";
import { uniqueName } from "../helpers/names.js";
import { readCommittedValues } from "../helpers/read-committed.js";
import {
  applyJson,
  diagnostics,
  installOperator,
  kubectl,
  leaseHolder,
  objectKeys,
  onRealNode,
  pods,
  type RealCluster,
  STORAGE_SECRET,
  uninstall,
  waitForPhase,
} from "./real-cluster.js";

/**
 * Sabot as a user meets it, on real pods: the chart installs the operator from the real image onto
 * the test environment's kubelet node, a StreamJob reads Kafka, counts per key in event-time
 * windows and writes Kafka exactly-once, checkpointing to MinIO with credentials from a Secret.
 * The job is scaled with kubectl, loses a worker pod and its coordinator pod to forced deletes,
 * and is deleted with a final savepoint; a read_committed reader sees every result exactly once.
 *
 * Input: numbered records `id` with event time T0 + id ms; output: count and sum per
 * (id % 10, 1 s window). Figures (apply → Running, killed pod → first record after recovery) are
 * printed for docs/benchmarks.md ("End to end on real pods").
 */

const JOB = "counts";
const PARTITIONS = 2;
const BUCKETS = 10;
const T0 = Date.UTC(2026, 0, 1);
const brokers = () => testEnv().kafka.brokers;
const k = useTestKafka();

const produce = (topic: string, from: number, to: number) =>
  produceNumbered(k.kafka, topic, { from, to }, { partitions: PARTITIONS, t0: T0 });

function withClient<S extends { kafka: object }>(source: S, client: "native" | "librdkafka"): S {
  return { ...source, kafka: { ...source.kafka, client } };
}

function spec(input: string, output: string, bucket: string): StreamJobSpec {
  return {
    // The clients built from source into the image (test/image): json read by the native client,
    // the exactly-once sink on librdkafka's transactions.
    sources: {
      nums: withClient(numberedKafkaSource(brokers(), input), "native"),
    },
    pipeline: [
      { from: "nums", select: [`id % ${BUCKETS} AS bucket`, "id", "ts"] },
      { keyBy: ["bucket"] },
      { window: { type: "tumbling", size: "1s" }, aggregate: ["count(*) AS n", "sum(id) AS total"] },
      { select: ["bucket", "window_start", "n", "total"] },
      { to: "out" },
    ],
    sinks: { out: { kafka: { bootstrapServers: brokers(), topic: output, format: "json", client: "librdkafka" } } },
    parallelism: 1,
    checkpointing: { interval: "1s", storage: `s3://${bucket}/state`, mode: "exactly-once", retain: 3 },
    storageSecret: STORAGE_SECRET,
    restartStrategy: { maxRestarts: 20, initialBackoff: "500ms", maxBackoff: "2s" },
    podTemplate: { spec: onRealNode() },
  } as StreamJobSpec;
}

/** Expected rows for ids [0, n) whose 1 s window closed, as sorted JSON strings. */
function reference(n: number): string[] {
  const groups = new Map<string, number[]>();
  for (let id = 0; id < n; id++) {
    const start = T0 + Math.floor(id / 1000) * 1000;
    const key = `${id % BUCKETS}|${start}`;
    const g = groups.get(key) ?? [id % BUCKETS, start, 0, 0];
    g[2]++;
    g[3] += id;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => JSON.stringify(g)).sort();
}

function committedRows(topic: string): string[] {
  return readCommittedValues(brokers(), topic)
    .map((v) => {
      const r = JSON.parse(v) as { bucket: number; window_start: number; n: number; total: number };
      return JSON.stringify([r.bucket, r.window_start, r.n, r.total]);
    })
    .sort();
}

/**
 * Arrival times of the records a plain (read_uncommitted) consumer sees in `topic` from now on: it
 * sees a transactional sink's records as they are written, before their checkpoint commits them.
 */
async function watchArrivals(topic: string): Promise<{ arrivals: number[]; stop: () => Promise<void> }> {
  const consumer = testKafka(brokers()).consumer({ groupId: uniqueName("e2e-probe") });
  const arrivals: number[] = [];
  await consumer.connect();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.subscribe({ topic, fromBeginning: false });
  void consumer.run({ eachBatch: async () => void arrivals.push(Date.now()) });
  await joined;
  return { arrivals, stop: () => consumer.disconnect() };
}

describe("StreamJob on real pods of a real node, installed with Helm", () => {
  let c: RealCluster;
  let input: string;
  let output: string;
  /** Ids [0, produced) are in the input topic. */
  let produced = 0;
  const figures: string[] = [];
  const workers = () => pods(c, `sabot.dev/job=${JOB},app.kubernetes.io/component=worker`);
  const coordinator = async () => (await pods(c, `sabot.dev/job=${JOB},app.kubernetes.io/component=coordinator`))[0];

  beforeAll(async () => {
    c = await installOperator("e2e");
    input = await createTopic(k.admin, "e2e-in", PARTITIONS);
    output = await createTopic(k.admin, "e2e-out", 2);
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail") console.error(await diagnostics(c));
  });

  afterAll(async () => {
    if (figures.length > 0) console.log(`e2e figures on real pods:\n  ${figures.join("\n  ")}`);
    await uninstall(c);
  }, 180_000);

  it("runs the operator as a pod of the real node that holds the leader Lease", async () => {
    const [op] = await pods(c, "app.kubernetes.io/name=sabot,app.kubernetes.io/component=operator");
    expect(op.spec?.nodeName).toBe(REAL_NODE_NAME);
    expect(op.status?.phase).toBe("Running");
    await waitFor(async () => (await leaseHolder(c)) === op.metadata?.name, {
      what: "the operator pod to hold the Lease",
      timeoutMs: 60_000,
    });
  });

  it("reaches Running with coordinator and worker pods from the image after kubectl apply", async () => {
    const started = Date.now();
    const manifest = {
      apiVersion: "sabot.dev/v1alpha1",
      kind: "StreamJob",
      metadata: { name: JOB },
      spec: spec(input, output, c.bucket),
    };
    await applyJson(c.ns, manifest);
    await waitForPhase(c, JOB, "Running", (s) => s.parallelism === 1);
    figures.push(`kubectl apply → Running: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const [w] = await workers();
    expect(w.spec?.nodeName).toBe(REAL_NODE_NAME);
    expect(w.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect((await coordinator()).spec?.nodeName).toBe(REAL_NODE_NAME);
  });

  it("enforces non-root and a read-only root filesystem in the job's containers", async () => {
    const [w] = await workers();
    const name = w.metadata!.name!;
    expect((await kubectl(c.ns, "exec", name, "--", "id", "-u")).trim()).toBe("65532");
    await expect(kubectl(c.ns, "exec", name, "--", "touch", "/app/written")).rejects.toThrow(/Read-only file system/);
  });

  it("recovers from a force-deleted worker pod from its last checkpoint", async () => {
    await produce(input, 0, 20_000);
    produced = 20_000;
    await waitForPhase(c, JOB, "Running", (s) => s.lastCheckpoint !== undefined);
    const [w] = await workers();
    const probe = await watchArrivals(output);
    let recovered = false;
    // Input keeps arriving (1,000 ids, one event-time second, every 500 ms) until output shows the
    // recovery: the killed container may have consumed all input written before it went.
    const feeding = (async () => {
      while (!recovered) {
        await produce(input, produced, produced + 1_000);
        produced += 1_000;
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      const killedAt = Date.now();
      await kubectl(c.ns, "delete", "pod", w.metadata!.name!, "--grace-period=0", "--force");
      // The killed container may still write for a moment after a forced delete: count only records
      // that arrive after the replacement pod's container started.
      const startedAt = await waitFor(
        async () => {
          const [next] = await workers();
          const running =
            next?.metadata?.uid !== w.metadata?.uid ? next?.status?.containerStatuses?.[0]?.state?.running : undefined;
          return running?.startedAt ? new Date(running.startedAt).getTime() : undefined;
        },
        { what: "a replacement worker pod", timeoutMs: 120_000, intervalMs: 200 },
      );
      const first = await waitFor(async () => probe.arrivals.find((t) => t > Math.max(killedAt, startedAt + 1_000)), {
        what: "a record written after the replacement worker started",
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      figures.push(
        `force-deleted worker pod → first record after recovery: ${((first - killedAt) / 1000).toFixed(1)} s`,
      );
    } finally {
      recovered = true;
      await feeding;
      await probe.stop();
    }
    await waitForPhase(c, JOB, "Running");
  }, 300_000);

  it("rescales to 2 workers through a savepoint with kubectl scale", async () => {
    await kubectl(c.ns, "scale", `streamjob/${JOB}`, "--replicas", "2");
    const s = await waitForPhase(c, JOB, "Running", (st) => st.parallelism === 2);
    expect(s.lastSavepoint?.path).toMatch(/^s3:\/\//);
    expect(await workers()).toHaveLength(2);
  });

  it("completes a Checkpoint object with its files in MinIO", async () => {
    await applyJson(c.ns, {
      apiVersion: "sabot.dev/v1alpha1",
      kind: "Checkpoint",
      metadata: { name: "manual" },
      spec: { jobRef: { name: JOB } },
    });
    const path = await waitFor(
      async () => {
        const out = JSON.parse(await kubectl(c.ns, "get", "checkpoint/manual", "-o", "json")) as {
          status?: { phase?: string; path?: string };
        };
        return out.status?.phase === "Completed" ? out.status.path : undefined;
      },
      { what: "Checkpoint manual to be Completed", timeoutMs: 90_000, intervalMs: 500 },
    );
    const prefix = path.replace(`s3://${c.bucket}/`, "");
    expect(await objectKeys(c, prefix)).toContain(`${prefix}/manifest.json`);
  });

  it("resumes from the latest checkpoint when the coordinator pod is force-deleted", async () => {
    const before = await coordinator();
    await kubectl(c.ns, "delete", "pod", before.metadata!.name!, "--grace-period=0", "--force");
    await produce(input, produced, produced + 10_000);
    produced += 10_000;
    await waitFor(async () => ((await coordinator())?.metadata?.uid !== before.metadata?.uid ? true : undefined), {
      what: "a new coordinator pod",
      timeoutMs: 60_000,
    });
    await waitForPhase(c, JOB, "Running", (s) => s.parallelism === 2);
  });

  it("writes every result exactly once for a read_committed reader", async () => {
    const N = produced;
    // A record far ahead in event time closes every window of ids below N.
    await produceSentinel(input);
    const expected = reference(N);
    const rows = await waitFor(
      async () => {
        const got = committedRows(output);
        return got.length >= expected.length ? got : undefined;
      },
      { what: `${expected.length} committed results`, timeoutMs: 120_000, intervalMs: 2_000 },
    );
    expect(rows).toEqual(expected);
  });

  it("takes a final savepoint when the StreamJob is deleted, and its pods go", async () => {
    await kubectl(c.ns, "delete", `streamjob/${JOB}`, "--wait=true", "--timeout=120s");
    const events = await kubectl(c.ns, "get", "events", "-o", "jsonpath={.items[*].reason}");
    expect(events).toMatch(/Savepoint/);
    await waitFor(async () => ((await pods(c, `sabot.dev/job=${JOB}`)).length === 0 ? true : undefined), {
      what: "the job's pods to be gone",
      timeoutMs: 90_000,
    });
  });

  /** One record per partition far ahead in event time: every partition's watermark passes N. */
  async function produceSentinel(topic: string): Promise<void> {
    const far = 10_000_000; // a multiple of PARTITIONS: ids far, far + 1, ... land on partitions 0, 1, ...
    await produceNumbered(k.kafka, topic, { from: far, to: far + PARTITIONS }, { partitions: PARTITIONS, t0: T0 });
  }
});
