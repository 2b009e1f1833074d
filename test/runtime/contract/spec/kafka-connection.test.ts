import { describe, expect, it } from "vitest";
import { SpecError } from "../../../../runtime/contract/spec/errors.js";
import {
  kafkaSecretKeyRefs,
  resolveKafkaConnections,
} from "../../../../runtime/contract/spec/kafka-connection-rules.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";

const schema = [{ name: "id", type: "int64" }];
const secure = {
  bootstrapServers: ["kafka-0:9093", "kafka-1:9093"],
  security: {
    protocol: "SASL_SSL",
    sasl: {
      mechanism: "SCRAM-SHA-512",
      username: "sabot",
      passwordFrom: { secretKeyRef: { name: "kafka", key: "pw" } },
    },
    tls: { caFrom: { secretKeyRef: { name: "kafka-ca", key: "ca.crt" } } },
  },
};
/** A spec whose source and sink use the connection `main`. */
function spec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connections: { main: secure },
    sources: { in: { kafka: { connection: "main", topic: "in" }, schema } },
    pipeline: [{ from: "in", to: "out" }],
    sinks: { out: { kafka: { connection: "main", topic: "out", compression: "zstd" } } },
    ...over,
  };
}
const manifest = (s: unknown) =>
  JSON.stringify({ apiVersion: "sabot.dev/v1alpha1", kind: "StreamJob", metadata: { name: "j" }, spec: s });

describe("kafka connections in the spec", () => {
  it("a named connection gives its brokers and security to the sources and sinks that refer to it", () => {
    expect(checkSpecShape(spec())).toEqual([]);
    const { spec: resolved } = parseManifest(manifest(spec()));
    for (const k of [resolved.sources!.in.kafka!, resolved.sinks!.out.kafka!]) {
      expect(k.bootstrapServers).toEqual(secure.bootstrapServers);
      expect(k.security).toEqual(secure.security);
      expect(k.connection).toBe("main");
    }
    // Resolving twice (the coordinator hands the resolved spec to workers, which parse it again) changes nothing.
    expect(resolveKafkaConnections(resolved)).toEqual(resolved);
  });

  it("a source's own bootstrapServers and security win over its connection's", () => {
    const own = { protocol: "SSL" as const };
    const s = spec({
      sources: { in: { kafka: { connection: "main", topic: "in", bootstrapServers: ["b:1"], security: own }, schema } },
    });
    const { spec: resolved } = parseManifest(manifest(s));
    expect(resolved.sources!.in.kafka!.bootstrapServers).toEqual(["b:1"]);
    expect(resolved.sources!.in.kafka!.security).toEqual(own);
    expect(resolved.sinks!.out.kafka!.bootstrapServers).toEqual(secure.bootstrapServers);
  });

  it("a connection's client applies to the sources and sinks that name it, unless they choose their own", () => {
    const s = spec({
      connections: { main: { ...secure, client: "librdkafka" } },
      sinks: { out: { kafka: { connection: "main", topic: "out", client: "native" } } },
    });
    expect(checkSpecShape(s)).toEqual([]);
    const { spec: resolved } = parseManifest(manifest(s));
    expect(resolved.sources!.in.kafka!.client).toBe("librdkafka");
    expect(resolved.sinks!.out.kafka!.client).toBe("native");
    expect(checkSpecShape(spec({ connections: { main: { ...secure, client: "rdkafka" } } }))).not.toEqual([]);
  });

  it("refuses an unknown connection, and a source with neither connection nor brokers", () => {
    const s = spec({
      sources: { in: { kafka: { connection: "mian", topic: "in" }, schema } },
      sinks: { out: { kafka: { topic: "out" } } },
    });
    expect(checkSpecShape(s)).toEqual([
      { path: "spec.sources.in.kafka.connection", message: 'no connection "mian" in spec.connections (defined: main)' },
      {
        path: "spec.sinks.out.kafka.bootstrapServers",
        message: "needed without `connection` (or name a spec.connections entry)",
      },
    ]);
    expect(() => parseManifest(manifest(s))).toThrow(SpecError);
  });

  it("refuses a security block missing what its protocol needs, or holding what it does not use", () => {
    const bad = (security: unknown) =>
      checkSpecShape(spec({ connections: { main: { bootstrapServers: ["a:1"], security } } }));
    const at = "spec.connections.main.security";
    expect(bad({ protocol: "SASL_SSL" })).toEqual([
      { path: `${at}.sasl`, message: "SASL_SSL needs sasl (mechanism and credentials)" },
    ]);
    expect(bad({ protocol: "PLAINTEXT", tls: {} })).toEqual([
      { path: `${at}.tls`, message: "PLAINTEXT does not use TLS: set protocol SSL or SASL_SSL or remove tls" },
    ]);
    expect(bad({ protocol: "SSL", sasl: { mechanism: "PLAIN", username: "u", passwordFrom: { env: "P" } } })).toEqual([
      { path: `${at}.sasl`, message: "SSL does not use SASL: set protocol SASL_SSL or remove sasl" },
    ]);
    expect(bad({ protocol: "SASL_PLAINTEXT", sasl: { mechanism: "SCRAM-SHA-256", username: "u" } })).toEqual([
      { path: `${at}.sasl.passwordFrom`, message: "SCRAM-SHA-256 needs passwordFrom (a Secret key, variable or file)" },
    ]);
    expect(bad({ protocol: "SASL_SSL", sasl: { mechanism: "OAUTHBEARER", passwordFrom: { env: "P" } } })).toEqual([
      { path: `${at}.sasl.tokenFrom`, message: "OAUTHBEARER needs tokenFrom, the file or variable holding the token" },
      { path: `${at}.sasl.passwordFrom`, message: "OAUTHBEARER authenticates with tokenFrom; remove this field" },
    ]);
    expect(bad({ protocol: "SSL", tls: { certFrom: { file: "/c" }, caFrom: { env: "CA", file: "/ca" } } })).toEqual([
      { path: `${at}.tls.caFrom`, message: "expected exactly one of secretKeyRef, env, file, found env and file" },
      { path: `${at}.tls`, message: "a client certificate needs both certFrom and keyFrom" },
    ]);
  });

  it("has no field for a literal password: secrets are references only", () => {
    const s = spec({
      connections: {
        main: {
          bootstrapServers: ["a:1"],
          security: { protocol: "SASL_SSL", sasl: { mechanism: "PLAIN", username: "u", password: "hunter2" } },
        },
      },
    });
    expect(checkSpecShape(s)).toContainEqual({
      path: "spec.connections.main.security.sasl.password",
      message: "unknown field",
    });
  });

  it("refuses a Secret key that would leave the Secret's folder", () => {
    const s = spec({
      connections: {
        main: {
          bootstrapServers: ["a:1"],
          security: { protocol: "SSL", tls: { caFrom: { secretKeyRef: { name: "ca", key: "../../etc/passwd" } } } },
        },
      },
    });
    expect(checkSpecShape(s).map((i) => i.path)).toEqual([
      "spec.connections.main.security.tls.caFrom.secretKeyRef.key",
    ]);
  });

  it("lists each Secret key the job's Kafka security refers to once, for the operator to mount", () => {
    const s = spec({
      sinks: {
        out: {
          kafka: {
            topic: "out",
            bootstrapServers: ["a:1"],
            security: {
              protocol: "SSL",
              tls: {
                caFrom: { secretKeyRef: { name: "kafka-ca", key: "ca.crt" } },
                certFrom: { file: "/c" },
                keyFrom: { env: "K" },
              },
            },
          },
        },
      },
    }) as unknown as StreamJobSpec;
    expect(kafkaSecretKeyRefs(s)).toEqual([
      { name: "kafka", key: "pw" },
      { name: "kafka-ca", key: "ca.crt" },
    ]);
  });
});
