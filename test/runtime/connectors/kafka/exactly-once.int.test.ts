import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Admin, Kafka } from "kafkajs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCheckpoints, openCheckpointStorage } from "../../../../runtime/checkpoint/index.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { LocalJob, type RunSummary } from "../../../../runtime/engine/local-job.js";
import { planManifest } from "../../../../runtime/planner/validate.js";
import { testEnv } from "../../../helpers/env.js";
import { uniqueName } from "../../../helpers/names.js";
import { seededRng } from "../../../helpers/random.js";
import { readCommittedValues } from "../../../helpers/read-committed.js";
import { checkpointingYaml, streamJobYaml } from "../../../helpers/test-jobs.js";
import { createTopic, KAFKA_CLIENTS, testKafka, useKafkaClient } from "./kafka-helpers.js";

/**
 * Exactly-once Kafka output across crashes: a job copies N uniquely numbered records from one
 * topic to another with checkpoints every 200 ms and is aborted (as a kill) at random moments a
 * bounded number of times, restarting from its checkpoints each time. A read_committed reader must
 * then see every number exactly once; in at-least-once mode, at least once.
 */

const N = 40_000;
const ABORTS = 3;
const silent = pino({ level: "silent" });

describe.each(KAFKA_CLIENTS)("exactly-once Kafka sink under crashes (%s)", (client) => {
  useKafkaClient(client);
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;

  beforeAll(async () => {
    kafka = testKafka(testEnv().kafka.brokers);
    admin = kafka.admin();
    await admin.connect();
    dir = await mkdtemp(join(tmpdir(), "sabot-eos-"));
  });
  afterAll(async () => {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function inputTopic(): Promise<string> {
    const topic = await createTopic(admin, "eos-in", 3);
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < N; i += 5000) {
      const messages = Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
        value: JSON.stringify({ id: i + j, payload: `p${i + j}` }),
      }));
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
    return topic;
  }

  function plan(job: string, input: string, output: string, mode: "exactly-once" | "at-least-once") {
    const brokers = JSON.stringify(testEnv().kafka.brokers);
    const checkpointing = checkpointingYaml({ interval: "200ms", storage: pathToFileURL(join(dir, job)).href, mode });
    return planManifest(
      parseManifest(
        streamJobYaml(
          job,
          `${checkpointing}  sources:
    nums:
      kafka: { bootstrapServers: ${brokers}, topic: ${input}, startingOffsets: earliest, format: json }
      schema:
        - { name: id, type: int64, nullable: false }
        - { name: payload, type: utf8 }
  pipeline:
    - from: nums
      filter: "id >= 0"
    - to: out
  sinks:
    out:
      kafka: { bootstrapServers: ${brokers}, topic: ${output}, format: json }
`,
        ),
      ),
    );
  }

  /** Runs, aborting ABORTS times at random moments, then lets a last run catch up and stop. */
  async function crashingRuns(mode: "exactly-once" | "at-least-once", seed: number) {
    const input = await inputTopic();
    const output = await createTopic(admin, "eos-out", 2);
    const job = uniqueName("eos");
    const rng = seededRng(seed);
    const summaries: RunSummary[] = [];
    for (let i = 0; i < ABORTS; i++) {
      const lj = new LocalJob(plan(job, input, output, mode), { log: silent, sinkBufferRows: 4096 });
      const done = lj.run();
      await new Promise((r) => setTimeout(r, 250 + rng.int(0, 500)));
      lj.abort();
      summaries.push(await done);
      expect(summaries.at(-1)!.reason).toBe("aborted");
    }
    // The last run stops once it has caught up: no lag on two progress reports in a row.
    let caughtUp = 0;
    const last = new LocalJob(plan(job, input, output, mode), {
      log: silent,
      durationMs: 60_000,
      onProgress: (p) => {
        caughtUp = p.lag === 0 && p.elapsedMs > 1500 ? caughtUp + 1 : 0;
        if (caughtUp >= 2) last.stop();
      },
    });
    summaries.push(await last.run());
    expect(summaries.at(-1)!.reason).toBe("stopped");
    const checkpoints = await listCheckpoints(openCheckpointStorage(pathToFileURL(join(dir, job)).href), job);
    expect(checkpoints.length).toBeGreaterThan(0);
    return { output, summaries, ids: readCommitted(output) };
  }

  it("a read_committed reader sees every record exactly once after repeated crashes (exactly-once)", async () => {
    const { ids, summaries } = await crashingRuns("exactly-once", 7);
    // Crashes made the job read some input again: the exactly-once result is not the trivial one.
    expect(summaries.reduce((s, r) => s + r.recordsIn, 0)).toBeGreaterThan(N);
    expect(ids.length).toBe(N);
    expect(new Set(ids).size).toBe(N);
    expect(Math.min(...ids)).toBe(0);
    expect(Math.max(...ids)).toBe(N - 1);
  }, 180_000);

  it("loses nothing after repeated crashes (at-least-once: duplicates allowed)", async () => {
    const { ids } = await crashingRuns("at-least-once", 11);
    expect(ids.length).toBeGreaterThanOrEqual(N);
    expect(new Set(ids).size).toBe(N);
  }, 180_000);
});

/** Every id in the topic as a read_committed consumer (Kafka's Java client) sees it. */
function readCommitted(topic: string): number[] {
  return readCommittedValues(testEnv().kafka.brokers, topic).map((v) => (JSON.parse(v) as { id: number }).id);
}
