import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kafkaClientKind } from "../../../../runtime/connectors/kafka/config.js";
import {
  RdkafkaUnavailableError,
  rdkafkaConnectionConf,
  rdkafkaConnectionError,
} from "../../../../runtime/connectors/kafka/rdkafka-client.js";

const dir = mkdtempSync(join(tmpdir(), "sabot-rdkafka-conf-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("librdkafka client settings", () => {
  it("SABOT_KAFKA_CLIENT picks the client (default kafkajs) and names the allowed values", () => {
    expect(kafkaClientKind({})).toBe("kafkajs");
    expect(kafkaClientKind({ SABOT_KAFKA_CLIENT: "librdkafka" })).toBe("librdkafka");
    expect(() => kafkaClientKind({ SABOT_KAFKA_CLIENT: "rdkafka" })).toThrow(
      /must be kafkajs, librdkafka or native, got "rdkafka"/,
    );
  });

  it("maps security to librdkafka properties, reading the Secrets (trimmed passwords, PEM as written)", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
    const conf = rdkafkaConnectionConf({
      label: 'kafka connection "main"',
      brokers: ["a:9093", "b:9093"],
      security: {
        protocol: "SASL_SSL",
        sasl: { mechanism: "SCRAM-SHA-512", username: "u", passwordFrom: { file: file("pw", "secret\n") } },
        tls: { caFrom: { file: file("ca", ca) } },
      },
    });
    expect(conf).toMatchObject({
      "bootstrap.servers": "a:9093,b:9093",
      "security.protocol": "sasl_ssl",
      "sasl.mechanisms": "SCRAM-SHA-512",
      "sasl.username": "u",
      "sasl.password": "secret",
      "ssl.ca.pem": ca,
    });
  });

  it("PLAINTEXT sets only the brokers; OAUTHBEARER installs a token callback, not a password", () => {
    expect(rdkafkaConnectionConf({ label: "k", brokers: ["a:9092"] })).toEqual({
      "bootstrap.servers": "a:9092",
      "client.dns.lookup": "use_all_dns_ips",
    });
    const conf = rdkafkaConnectionConf({
      label: "k",
      brokers: ["a:9092"],
      security: {
        protocol: "SASL_PLAINTEXT",
        sasl: { mechanism: "OAUTHBEARER", tokenFrom: { file: file("t", "tok\n") } },
      },
    });
    expect(typeof conf.oauthbearer_token_refresh_cb).toBe("function");
    expect(conf["sasl.password"]).toBeUndefined();
  });

  it("connection errors name the connection and what to check", () => {
    const conn = { label: "kafka brokers a:9093", brokers: ["a:9093"], security: { protocol: "SSL" as const } };
    expect(rdkafkaConnectionError(new Error("SSL handshake failed: certificate verify failed"), conn).message).toMatch(
      /^kafka brokers a:9093: the TLS handshake failed: check tls\.caFrom/,
    );
    expect(rdkafkaConnectionError(new Error("broker transport failure"), conn).message).toMatch(
      /is security\.protocol \(SSL\) the protocol of the listener at a:9093\?/,
    );
  });

  it("a binary that did not build is reported with what to install and the way back to kafkajs", () => {
    const err = new RdkafkaUnavailableError(
      new Error("Cannot find module '@confluentinc/kafka-javascript'\nRequire stack: x"),
    );
    expect(err.message).toMatch(/^kafka client "librdkafka" is not available on this machine/);
    expect(err.message).toContain("Cannot find module '@confluentinc/kafka-javascript'");
    expect(err.message).not.toContain("Require stack");
    expect(err.message).toContain("libsasl2-dev");
    expect(err.message).toContain("SABOT_KAFKA_CLIENT=kafkajs");
  });
});
