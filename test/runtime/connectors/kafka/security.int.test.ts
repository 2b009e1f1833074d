import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { kafkaSinkConfig, kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { KafkaConnectionError } from "../../../../runtime/connectors/kafka/security.js";
import type { KafkaSecurity } from "../../../../runtime/contract/spec/kafka-connection-rules.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import type { KafkaSecurityEnv } from "../../../env/types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { randomBatch, seededRng } from "../../../helpers/random.js";
import { parseManifest, runJob } from "../../../helpers/run-job.js";
import {
  type CapturedLog,
  connectorContext,
  createTopic,
  KAFKA_CLIENTS,
  readRows,
  readTopic,
  useKafkaClient,
} from "./kafka-helpers.js";

/**
 * Sabot's Kafka source and sink against the test broker's secured listeners
 * (test/env/services/kafka-security.ts): TLS with a CA, SASL PLAIN and SCRAM, OAUTHBEARER,
 * client certificates, refusals with errors that name the connection, and no secret in a log.
 * Topics are made and checked through the plaintext listener, independently of the code under test.
 */

const FIELDS: FieldSpec[] = [{ name: "id", type: "int64", nullable: false }];
const input = { schema: arrowSchema(FIELDS) };
const k = useTestKafka();
let sec: KafkaSecurityEnv;
let dir: string;
/** Every log line the connectors under test wrote, to look for secrets in at the end. */
const logs: CapturedLog[] = [];

beforeAll(() => {
  sec = testEnv().kafka.secured;
  if (!sec)
    throw new Error(
      "this test environment has no secured Kafka listeners: restart it (npm run env:down && npm run env:up)",
    );
  dir = mkdtempSync(join(tmpdir(), "sabot-kafka-secrets-"));
});

/** A secret in a file, as a mounted Secret key would be (with the newline `echo` leaves). */
function secretFile(name: string, value: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${value}\n`);
  return path;
}

const ca = () => ({ caFrom: { file: sec.caFile } });
const scram = (kind: "scram256" | "scram512", mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512"): KafkaSecurity => ({
  protocol: "SASL_SSL",
  sasl: {
    mechanism,
    username: sec.users[kind].username,
    passwordFrom: { file: secretFile(kind, sec.users[kind].password) },
  },
  tls: ca(),
});

function ctx(name: string) {
  const c = connectorContext(name);
  logs.push(c.captured);
  return c;
}

/** Writes rows with the sink over `security`, reads them back with the source over the same, and compares. */
async function roundTrip(brokers: string[], security: KafkaSecurity): Promise<void> {
  const topic = await createTopic(k.admin, "secure", 2);
  const batch = randomBatch(seededRng(7), FIELDS, 200);
  const sink = kafkaSink(kafkaSinkConfig({ bootstrapServers: brokers, security, topic }, input), input, ctx("out"));
  await sink.open();
  await sink.write(batch);
  await sink.flush();
  await sink.close();
  const spec = {
    kafka: { bootstrapServers: brokers, security, topic, startingOffsets: "earliest" as const },
    schema: FIELDS,
  };
  const source = kafkaSource(kafkaSourceConfig("it", "in", spec), ctx("in"));
  await source.open();
  try {
    const got = (await readRows(source, 200)).flatMap((b) => batchRows(b!.batch));
    expect(got.map((r) => r.id).sort()).toEqual(
      batchRows(batch)
        .map((r) => r.id)
        .sort(),
    );
  } finally {
    await source.close();
  }
}

/** An unsecured JWT (alg none), which Kafka's default OAUTHBEARER validator accepts. */
function unsecuredJwt(sub: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none" })}.${b64({ sub, iat: now, exp: now + 3600 })}.`;
}

describe.each(KAFKA_CLIENTS)("kafka over secured listeners (%s)", (client) => {
  useKafkaClient(client);
  it("SCRAM-SHA-256 over SASL_SSL, password from a file, CA from a file", async () => {
    await roundTrip(sec.saslSsl, scram("scram256", "SCRAM-SHA-256"));
  });

  it("SCRAM-SHA-512 over SASL_SSL, password from a mounted Secret key (secretKeyRef)", async () => {
    const secrets = join(dir, "mounted");
    mkdirSync(join(secrets, "kafka-users"), { recursive: true });
    writeFileSync(join(secrets, "kafka-users", "scram512"), sec.users.scram512.password);
    process.env.SABOT_SECRETS_DIR = secrets;
    try {
      await roundTrip(sec.saslSsl, {
        protocol: "SASL_SSL",
        sasl: {
          mechanism: "SCRAM-SHA-512",
          username: sec.users.scram512.username,
          passwordFrom: { secretKeyRef: { name: "kafka-users", key: "scram512" } },
        },
        tls: ca(),
      });
    } finally {
      delete process.env.SABOT_SECRETS_DIR;
    }
  });

  it("PLAIN over SASL_SSL, user and password from environment variables", async () => {
    process.env.SABOT_TEST_KAFKA_USER = sec.users.plain.username;
    process.env.SABOT_TEST_KAFKA_PASSWORD = sec.users.plain.password;
    try {
      await roundTrip(sec.saslSsl, {
        protocol: "SASL_SSL",
        sasl: {
          mechanism: "PLAIN",
          usernameFrom: { env: "SABOT_TEST_KAFKA_USER" },
          passwordFrom: { env: "SABOT_TEST_KAFKA_PASSWORD" },
        },
        tls: ca(),
      });
    } finally {
      delete process.env.SABOT_TEST_KAFKA_USER;
      delete process.env.SABOT_TEST_KAFKA_PASSWORD;
    }
  });

  it("SCRAM-SHA-256 over SASL_PLAINTEXT", async () => {
    const s = scram("scram256", "SCRAM-SHA-256");
    await roundTrip(sec.saslPlaintext, { protocol: "SASL_PLAINTEXT", sasl: s.sasl });
  });

  it("OAUTHBEARER over SASL_SSL, the token read from a file", async () => {
    await roundTrip(sec.saslSsl, {
      protocol: "SASL_SSL",
      sasl: { mechanism: "OAUTHBEARER", tokenFrom: { file: secretFile("token", unsecuredJwt("sabot")) } },
      tls: ca(),
    });
  });

  it("SSL with the CA and a client certificate (the listener requires one)", async () => {
    await roundTrip(sec.ssl, {
      protocol: "SSL",
      tls: { ...ca(), certFrom: { file: sec.client.certFile }, keyFrom: { file: sec.client.keyFile } },
    });
  });

  it("a wrong password fails with an error naming the connection, the mechanism and where the password came from", async () => {
    const topic = await createTopic(k.admin, "secure-refused", 1);
    const wrong = secretFile("wrong", "not-the-password");
    const security: KafkaSecurity = {
      protocol: "SASL_SSL",
      sasl: { mechanism: "SCRAM-SHA-512", username: sec.users.scram512.username, passwordFrom: { file: wrong } },
      tls: ca(),
    };
    const spec = {
      kafka: { connection: "orders-cluster", bootstrapServers: sec.saslSsl, security, topic },
      schema: FIELDS,
    };
    const source = kafkaSource(kafkaSourceConfig("it", "in", spec), ctx("in"));
    const err = await source.open().then(
      () => null,
      (e: unknown) => e as Error,
    );
    await source.close();
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect(err!.message).toMatch(
      /^kafka connection "orders-cluster": SASL SCRAM-SHA-512 authentication as "scram512-user" was refused/,
    );
    expect(err!.message).toContain(`the password in file ${wrong}`);
    expect(err!.message).not.toContain("not-the-password");
  });

  it("a client that does not trust the brokers' CA, or lacks the client certificate a listener requires, fails the TLS handshake", async () => {
    const failures: string[] = [];
    for (const [brokers, security] of [
      [sec.saslSsl, { ...scram("scram256", "SCRAM-SHA-256"), tls: undefined }],
      [sec.ssl, { protocol: "SSL", tls: ca() }],
    ] as [string[], KafkaSecurity][]) {
      const sink = kafkaSink(
        kafkaSinkConfig({ bootstrapServers: brokers, security, topic: "any" }, input),
        input,
        ctx("out"),
      );
      failures.push(
        await sink.open().then(
          () => "connected",
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      );
      await sink.close().catch(() => {});
    }
    for (const f of failures)
      expect(f).toMatch(
        /^KafkaConnectionError: kafka brokers 127\.0\.0\.1:\d+: the TLS handshake failed: check tls\.caFrom/,
      );
  });

  it("a client without TLS is refused by the SASL_SSL listener, with an error saying to check the protocol", async () => {
    const spec = { bootstrapServers: sec.saslSsl, topic: "any" };
    const sink = kafkaSink(kafkaSinkConfig(spec, input), input, ctx("out"));
    const t0 = Date.now();
    const err = await sink.open().then(
      () => null,
      (e: unknown) => e as Error,
    );
    await sink.close().catch(() => {});
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect(err!.message).toContain(`kafka brokers ${sec.saslSsl[0]}:`);
    expect(err!.message).toMatch(/is security\.protocol \(PLAINTEXT\) the protocol of the listener/);
    expect(Date.now() - t0).toBeLessThan(100_000);
  });

  it("a source and a sink use the job's named connection; no secret reaches the job's logs", async () => {
    const inTopic = await createTopic(k.admin, "secure-job-in", 2);
    const outTopic = await createTopic(k.admin, "secure-job-out", 1);
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: inTopic,
      messages: Array.from({ length: 50 }, (_, id) => ({ value: JSON.stringify({ id }) })),
    });
    await producer.disconnect();
    const password = secretFile("job-password", sec.users.scram512.password);
    const manifest = parseManifest(`
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: secure-job }
spec:
  connections:
    secure:
      bootstrapServers: ${JSON.stringify(sec.saslSsl)}
      security:
        protocol: SASL_SSL
        sasl: { mechanism: SCRAM-SHA-512, username: ${sec.users.scram512.username}, passwordFrom: { file: ${password} } }
        tls: { caFrom: { file: ${sec.caFile} } }
  sources:
    in:
      kafka: { connection: secure, topic: ${inTopic}, startingOffsets: earliest }
      schema: [{ name: id, type: int64, nullable: false }]
  pipeline:
    - from: in
      select: ["id * 2 AS twice"]
    - to: out
  sinks:
    out:
      kafka: { connection: secure, topic: ${outTopic}, compression: zstd }
`);
    const lines: string[] = [];
    const log = pino({ level: "debug" }, { write: (s: string) => lines.push(s) });
    const { summary } = await runJob(manifest, { maxRecords: 50, realSinks: ["out"], log });
    expect(summary.recordsIn).toBe(50);
    const out = await readTopic(k.kafka, outTopic, 50);
    expect(out.map((m) => JSON.parse(m.value!.toString()).twice).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => 2 * i),
    );
    const everything = [...lines, JSON.stringify(summary), JSON.stringify(manifest)].join("\n");
    expect(everything).not.toContain(sec.users.scram512.password);
  });

  it("no password or client key appears in any log line the connectors above wrote", () => {
    const written = logs.flatMap((l) => l.lines.map((line) => JSON.stringify(line))).join("\n");
    expect(written.length).toBeGreaterThan(0);
    const key = readFileSync(sec.client.keyFile, "utf8").split("\n")[1];
    for (const secret of [...Object.values(sec.users).map((u) => u.password), "not-the-password", key])
      expect(written).not.toContain(secret);
  });
});
