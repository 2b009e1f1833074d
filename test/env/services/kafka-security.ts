import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KafkaSecurityEnv } from "../types.js";
import { issue, selfSignedCa } from "./kube-certs.js";

/**
 * The test broker's secured listeners, beside its plaintext one (which every other test uses):
 * - SASL_SSL: TLS with a certificate from a CA made per run, then SASL PLAIN, SCRAM-SHA-256,
 *   SCRAM-SHA-512 or OAUTHBEARER (Kafka's unsecured JWT validator: any well-formed token);
 * - SASL_PLAINTEXT: the same mechanisms without TLS;
 * - SSL: TLS that requires a client certificate signed by the same CA (mutual TLS).
 * They listen on 127.0.0.1 only: the tests that use them run on this machine, not in pods.
 * Users and passwords are made per run: SCRAM users are written into the KRaft metadata when the
 * storage is formatted (--add-scram), PLAIN users into the listener's JAAS configuration.
 */

const HOST = "127.0.0.1";
const MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];
const serverExt = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=serverAuth",
  `subjectAltName=IP:${HOST},DNS:localhost`,
];
const clientExt = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
];

/** Hex, so it needs no quoting in a JAAS line or a --add-scram argument. */
const password = () => randomBytes(12).toString("hex");

export interface SecuredListeners {
  env: KafkaSecurityEnv;
  /** Lines appended to server.properties. */
  properties: string;
  /** Arguments of `kafka-storage format` that create the SCRAM users. */
  formatArgs: string[];
  /** listeners= and advertised.listeners= entries, and listener.security.protocol.map entries. */
  listeners: string[];
  protocolMap: string[];
}

function jaas(listener: string, plainUser: { username: string; password: string }): string {
  const l = `listener.name.${listener}`;
  return [
    `${l}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plainUser.username}="${plainUser.password}";`,
    `${l}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${l}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${l}.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;`,
  ].join("\n");
}

/** Certificates, users and the broker settings of the secured listeners, at the given free ports. */
export async function securedListeners(
  dir: string,
  ports: { saslSsl: number; saslPlaintext: number; ssl: number },
): Promise<SecuredListeners> {
  const tls = join(dir, "tls");
  mkdirSync(tls, { recursive: true });
  const ca = await selfSignedCa(tls, "ca", "/CN=sabot-test-kafka-ca");
  const [broker, client] = await Promise.all([
    issue(tls, ca, "broker", "/CN=localhost", serverExt),
    issue(tls, ca, "client", "/CN=sabot-test-client", clientExt),
  ]);
  // Kafka's PEM key store: the private key (unencrypted PKCS#8) followed by its certificate.
  const keystore = join(tls, "broker-keystore.pem");
  writeFileSync(keystore, readFileSync(broker.key, "utf8") + readFileSync(broker.cert, "utf8"));

  const users = {
    plain: { username: "plain-user", password: password() },
    scram256: { username: "scram256-user", password: password() },
    scram512: { username: "scram512-user", password: password() },
  };
  const at = (p: number) => [`${HOST}:${p}`];
  const properties = `
# Secured listeners (test/env/services/kafka-security.ts); inter-broker traffic stays on PLAINTEXT.
sasl.enabled.mechanisms=${MECHANISMS.join(",")}
${jaas("sasl_ssl", users.plain)}
${jaas("sasl_plaintext", users.plain)}
ssl.keystore.type=PEM
ssl.keystore.location=${keystore}
ssl.truststore.type=PEM
ssl.truststore.location=${ca.cert}
listener.name.ssl.ssl.client.auth=required
`;
  return {
    env: {
      saslSsl: at(ports.saslSsl),
      saslPlaintext: at(ports.saslPlaintext),
      ssl: at(ports.ssl),
      caFile: ca.cert,
      client: { certFile: client.cert, keyFile: client.key },
      users,
    },
    properties,
    formatArgs: [
      "--add-scram",
      `SCRAM-SHA-256=[name=${users.scram256.username},password=${users.scram256.password}]`,
      "--add-scram",
      `SCRAM-SHA-512=[name=${users.scram512.username},password=${users.scram512.password}]`,
    ],
    listeners: [
      `SASL_SSL://${HOST}:${ports.saslSsl}`,
      `SASL_PLAINTEXT://${HOST}:${ports.saslPlaintext}`,
      `SSL://${HOST}:${ports.ssl}`,
    ],
    protocolMap: ["SASL_SSL:SASL_SSL", "SASL_PLAINTEXT:SASL_PLAINTEXT", "SSL:SSL"],
  };
}
