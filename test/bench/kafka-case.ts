import { Kafka, logLevel } from "kafkajs";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { planText } from "../../runtime/planner/validate.js";
import { uniqueName } from "../helpers/names.js";
import { peakRssMiB } from "./peak-memory.js";

/**
 * Nexmark q1 through a real broker: `kafka-case.ts <json|arrow|avro> <events> <brokers>`.
 * First loads the input topic (generator → Kafka sink, timed as the produce rate), then times
 * Kafka source → q1 projection → Kafka sink until every input event has been read and written.
 */
const [format, eventsArg, brokersArg] = process.argv.slice(2);
const events = Number(eventsArg);
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

const BID_SCHEMA = `
        - { name: auction, type: int64 }
        - { name: bidder, type: int64 }
        - { name: price, type: int64 }
        - { name: channel, type: utf8 }
        - { name: url, type: utf8 }
        - { name: dateTime, type: "timestamp[ms]" }
        - { name: extra, type: utf8 }`;

async function timed(yaml: string, maxRecords?: number): Promise<number> {
  const { plan } = planText(yaml);
  const t0 = performance.now();
  await new LocalJob(plan, { maxRecords }).run();
  return (performance.now() - t0) / 1000;
}

const loadSeconds = await timed(`
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

const pipelineSeconds = await timed(
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

console.log(
  JSON.stringify({
    format,
    events,
    producePerSec: events / loadSeconds,
    pipelinePerSec: events / pipelineSeconds,
    peakRssMiB: peakRssMiB(),
  }),
);
