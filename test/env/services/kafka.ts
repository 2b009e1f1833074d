import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
// kafkajs arms a timer of -<epoch ms> after each response (TimeoutNegativeWarning on Node 24).
import "../../../runtime/connectors/kafka/kafkajs-timers.js";
import { cacheRoot } from "../lib/cache.js";
import { freePort } from "../lib/ports.js";
import { type ServerProcess, startServer } from "../lib/process.js";
import { version } from "../lib/versions.js";
import type { TestEnv } from "../types.js";
import { securedListeners } from "./kafka-security.js";
import { NODE_IP } from "./node-network.js";

const run = promisify(execFile);

/** Plenty for test traffic, and small next to the other servers sharing a CI machine. */
const heap = ["-Xms256m", "-Xmx512m"];

/**
 * The storage formatter runs for about a second: the quick C1 compiler and the serial collector
 * start faster than the defaults tuned for a long-running server (~0.9 s instead of ~1.3 s).
 */
const shortLivedJvm = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"];

/** The broker is up in about 4 s on an idle 2-core machine; much slower while other servers start. */
const startTimeoutMs = 90_000;

/**
 * A KRaft cluster id as Kafka's own `Uuid.randomUuid()` makes it: 16 random bytes in URL-safe
 * base64 without padding. Ids starting with "-" are redrawn, as Kafka does, because the storage
 * tool's argument parser would read them as an option.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function serverProperties(o: {
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
  secured: { listeners: string[]; protocolMap: string[]; properties: string };
}): string {
  const secured = o.secured.listeners.map((l) => `,${l}`).join("");
  return `# Generated per test run by test/env/services/kafka.ts.
# One process is both the KRaft controller and the broker: the smallest real Kafka cluster.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${o.controllerPort}
controller.listener.names=CONTROLLER
# Clients connect on the node IP, which pods of the real node reach as well as this machine; the
# controller listener only serves the broker itself.
listeners=PLAINTEXT://${NODE_IP}:${o.brokerPort},CONTROLLER://127.0.0.1:${o.controllerPort}${secured}
advertised.listeners=PLAINTEXT://${NODE_IP}:${o.brokerPort}${secured}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${o.secured.protocolMap.map((m) => `,${m}`).join("")}
log.dirs=${o.dataDir}

# A single broker can only hold one replica; the internal topics default to 3 and would never
# become available, which breaks consumer groups (offsets) and transactions (transaction state).
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Fewer partitions of the internal topics than the production default of 50: they are created and
# loaded while the broker starts (see brokerReady), and 50 of each would add seconds to every run.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

# Tests create their topics explicitly with the partition counts they need. Auto-creation stays
# off so a typo or a missing createTopics fails loudly instead of silently making a 1-partition
# topic that hides partitioning bugs.
auto.create.topics.enable=false
num.partitions=1

# Consumers join immediately instead of waiting 3 s for more members that a test never has.
group.initial.rebalance.delay.ms=0

# The compaction buffer (128 MiB by default) is allocated on the heap; the internal compacted
# topics of a test run are tiny.
log.cleaner.dedupe.buffer.size=16777216
${o.secured.properties}`;
}

/** Broker logs go to stdout, which startServer captures into <logDir>/kafka.log. */
const log4jProperties = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter drowns the lines that explain a failure.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
`;

/**
 * Ready once the broker answers as a cluster with a controller and its group and transaction
 * coordinators are loaded. Kafka creates __consumer_offsets and __transaction_state on first use;
 * doing that here keeps every test's first consumer group or transaction from waiting on it (and
 * kafkajs from logging "coordinator not available" errors into test output).
 */
async function brokerReady(broker: string): Promise<boolean> {
  // No retries: a failed probe is simply repeated by startServer's poll.
  const kafka = new Kafka({
    clientId: "sabot-testenv-ready",
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) return false;
    // Finding the coordinator of any group, even an unknown one, creates the offsets topic.
    await admin.describeGroups(["sabot-testenv-ready"]);
  } finally {
    await admin.disconnect();
  }
  // Beginning a transaction runs InitProducerId, which creates the transaction log and waits for
  // its coordinator; the empty transaction is then just dropped.
  // kafkajs refuses an idempotent producer without retries, hence its own small retry budget.
  const producer = kafka.producer({
    transactionalId: "sabot-testenv-ready",
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  });
  try {
    await producer.connect();
    await (await producer.transaction()).abort();
  } finally {
    await producer.disconnect();
  }
  return true;
}

/** A single-node KRaft Kafka broker from the jars that test/env/build/kafka.sh cached. */
export async function startKafka(ctx: {
  runDir: string;
  logDir: string;
}): Promise<{ kafka: TestEnv["kafka"]; processes: ServerProcess[] }> {
  const kafkaVersion = version("KAFKA_VERSION");
  const libs = join(cacheRoot(), `kafka-${kafkaVersion}`, "libs");
  if (!existsSync(join(libs, `kafka_2.13-${kafkaVersion}.jar`))) {
    throw new Error(`Kafka ${kafkaVersion} jars missing in ${libs}: run \`npm run env:build\``);
  }
  // java expands a trailing `*` in a class path itself, so no shell is needed.
  const classPath = join(libs, "*");

  const dir = join(ctx.runDir, "kafka");
  const dataDir = join(dir, "data");
  mkdirSync(dir, { recursive: true });
  const [brokerPort, controllerPort] = [await freePort(), await freePort()];
  const ports = { saslSsl: await freePort(), saslPlaintext: await freePort(), ssl: await freePort() };
  const secured = await securedListeners(dir, ports);
  const propsFile = join(dir, "server.properties");
  const log4jFile = join(dir, "log4j.properties");
  writeFileSync(propsFile, serverProperties({ brokerPort, controllerPort, dataDir, secured }));
  writeFileSync(log4jFile, log4jProperties);
  const jvm = [`-Dlog4j.configuration=file:${log4jFile}`, "-Djava.awt.headless=true", "-cp", classPath];

  // KRaft refuses to start on unformatted storage; formatting per run gives every run an empty
  // cluster with a fresh id.
  try {
    const format = ["kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", propsFile, ...secured.formatArgs];
    await run("java", [...shortLivedJvm, ...jvm, ...format], { timeout: 60_000 });
  } catch (err) {
    const e = err as { message: string; stdout?: string; stderr?: string };
    throw new Error(`formatting Kafka storage in ${dataDir} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }

  const broker = `${NODE_IP}:${brokerPort}`;
  const proc = await startServer({
    name: "kafka",
    cmd: "java",
    args: [...heap, ...jvm, "kafka.Kafka", propsFile],
    cwd: dir,
    logDir: ctx.logDir,
    ready: () => brokerReady(broker),
    timeoutMs: startTimeoutMs,
  });
  return { kafka: { brokers: [broker], secured: secured.env }, processes: [proc] };
}
