import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import pino from "pino";
import { kafkaSourceConfig } from "../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../runtime/connectors/kafka/index.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { planText } from "../../runtime/planner/validate.js";
import { testConnectorContext } from "../helpers/connector-context.js";
import { uniqueName } from "../helpers/names.js";
import { startHeapProfile, startProfile } from "./exchange-profile.js";
import { peakRssMiB } from "./peak-memory.js";
import { ThreadCpu } from "./thread-cpu.js";

/**
 * Nexmark q1 through a real broker: `kafka-case.ts <json|arrow|avro> <events> <brokers> [kafkajs|librdkafka|native]`.
 * First loads the input topic (generator → Kafka sink, timed as the produce rate), then times the
 * Kafka source alone (open, then next() until every event is a row of a record batch: fetch and
 * decode), then Kafka source → q1 projection → Kafka sink until every input event has been read and written.
 * Both phases also report events per CPU-second of this process (all its threads: librdkafka's
 * fetch, compression and send threads count too), the "per core" figure the targets are set in.
 * SABOT_BENCH_CPU_PROF=DIR writes a CPU profile of the q1 phase to DIR/q1-<format>.cpuprofile, and
 * SABOT_BENCH_HEAP_PROF=DIR what it allocated on the JavaScript heap to DIR/q1-<format>.heapprofile.
 */
const [format, eventsArg, brokersArg, clientArg] = process.argv.slice(2);
// This process runs the jobs, as `sabot run` would.
tuneCollectorForJobs();
const events = Number(eventsArg);
// The connectors read the client from the environment when a job makes them (config.ts).
process.env.SABOT_KAFKA_CLIENT = clientArg ?? "kafkajs";
const brokers = JSON.stringify(brokersArg.split(","));

const kafka = new Kafka({ brokers: brokersArg.split(","), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const input = uniqueName(`bench-in-${format}`);
const output = uniqueName(`bench-out-${format}`);
await admin.createTopics({
  topics: [input, output].map((topic) => ({ topic, numPartitions: 4 })),
  waitForLeaders: true,
});
await admin.disconnect();

/**
 * SABOT_BENCH_DICTIONARY=1 declares the string columns as the load job writes them in arrow
 * (dictionaries), so q1's source keeps them encoded instead of turning each into a plain utf8
 * column that q1 then drops (docs/kafka.md, "Where arrow's time goes").
 */
const DICT = process.env.SABOT_BENCH_DICTIONARY === "1" ? ", dictionary: true" : "";
const BID_SCHEMA = `
        - { name: auction, type: int64 }
        - { name: bidder, type: int64 }
        - { name: price, type: int64 }
        - { name: channel, type: utf8${DICT} }
        - { name: url, type: utf8${DICT} }
        - { name: dateTime, type: "timestamp[ms]" }
        - { name: extra, type: utf8${DICT} }`;

/** Wall seconds and CPU seconds (user + system, every thread of this process) of one job. */
async function timed(yaml: string, maxRecords?: number): Promise<{ wall: number; cpu: number }> {
  const { plan } = planText(yaml);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await new LocalJob(plan, { maxRecords }).run();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const load = await timed(`
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: bench-load }
spec:
  sources:
    bids: { generator: { kind: nexmark-bid, seed: 1, count: ${events}, batchSize: 16384 } }
  pipeline: [{ from: bids, to: out }]
  sinks:
    out: { kafka: { bootstrapServers: ${brokers}, topic: ${input}, format: ${format} } }
`);

/** The source alone: every event fetched and decoded into record batches, nothing downstream. */
async function readOnly(): Promise<{ wall: number; cpu: number }> {
  const spec = {
    kafka: {
      bootstrapServers: brokersArg.split(","),
      topic: input,
      startingOffsets: "earliest" as const,
      format: format as "json",
    },
    schema: BID_FIELDS,
  };
  const ctx = testConnectorContext("bench", "bids", pino({ level: "warn" }));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const source = kafkaSource(kafkaSourceConfig("bench", "bids", spec), ctx);
  await source.open();
  for (let rows = 0; rows < events; ) {
    const b = await source.next();
    if (!b) throw new Error(`the source ended after ${rows} of ${events} rows`);
    rows += b.batch.numRows;
  }
  await source.close();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const BID_FIELDS = (
  [
    ["auction", "int64"],
    ["bidder", "int64"],
    ["price", "int64"],
    ["channel", "utf8"],
    ["url", "utf8"],
    ["dateTime", "timestamp[ms]"],
    ["extra", "utf8"],
  ] as const
).map(([name, type]) => ({ name, type }));
const read = await readOnly();

const threadCpu = new ThreadCpu();
const prof = process.env.SABOT_BENCH_CPU_PROF;
const stopProfile = prof ? await startProfile(join(prof, `q1-${format}.cpuprofile`)) : null;
const heapProf = process.env.SABOT_BENCH_HEAP_PROF;
const stopHeapProfile = heapProf ? await startHeapProfile(join(heapProf, `q1-${format}.heapprofile`)) : null;
const pipeline = await timed(
  `
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: bench-q1-${format} }
spec:
  sources:
    bids:
      kafka: { bootstrapServers: ${brokers}, topic: ${input}, startingOffsets: earliest, format: ${format} }
      schema: ${BID_SCHEMA}
  pipeline:
    - from: bids
      select: [auction, bidder, "price * 0.908 AS price_eur", dateTime]
    - to: out
  sinks:
    out: { kafka: { bootstrapServers: ${brokers}, topic: ${output}, format: ${format} } }
`,
  events,
);

await stopProfile?.();
await stopHeapProfile?.();
// Where the q1 phase's CPU went, by thread (stderr: the JSON line stays the last of stdout).
const threads = threadCpu.stop();
console.error(`q1 CPU by thread: ${threads.map(([n, s]) => `${n} ${s.toFixed(2)}s`).join(", ")}`);

// A 6 M-event arrow case leaves about 1.5 GB in the two topics: runs against a long-lived broker
// (the test environment's) filled this machine's disk before the case removed them.
await admin.connect();
await admin.deleteTopics({ topics: [input, output] });
await admin.disconnect();

console.log(
  JSON.stringify({
    format,
    client: process.env.SABOT_KAFKA_CLIENT,
    events,
    producePerSec: events / load.wall,
    producePerCpuSec: events / load.cpu,
    readPerSec: events / read.wall,
    readPerCpuSec: events / read.cpu,
    pipelinePerSec: events / pipeline.wall,
    pipelinePerCpuSec: events / pipeline.cpu,
    peakRssMiB: peakRssMiB(),
  }),
);
