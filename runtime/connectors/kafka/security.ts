import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { SASLOptions } from "kafkajs";
import {
  type KafkaSecurity,
  SECRETS_DIR,
  type SecretRefSpec,
  secretKeyPath,
} from "../../contract/spec/kafka-connection-rules.js";
import { ConnectorConfigError } from "../errors.js";

/**
 * A Kafka connection as the connectors hold it: brokers, and security as written (secret
 * references, never secret values). The values are read only when a client is made
 * (kafkaClientOptions), into options handed straight to kafkajs, so no config object that a
 * log line or a status could print ever holds a password.
 */
export interface KafkaConnectionConfig {
  /** How errors name it: `kafka connection "main"` or `kafka brokers a:9092,b:9092`. */
  label: string;
  brokers: string[];
  security?: KafkaSecurity;
}

/** A broker refused or dropped us; the message names the connection and what to check. */
export class KafkaConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KafkaConnectionError";
  }
}

export function connectionConfig(
  k: { connection?: string; bootstrapServers?: string[]; security?: KafkaSecurity },
  where: string,
): KafkaConnectionConfig {
  if (!k.bootstrapServers)
    throw new ConnectorConfigError(
      k.connection === undefined
        ? `${where}.bootstrapServers: needed without \`connection\``
        : `${where}.connection: "${k.connection}" was not resolved (is it in spec.connections?)`,
    );
  const label =
    k.connection === undefined ? `kafka brokers ${k.bootstrapServers.join(",")}` : `kafka connection "${k.connection}"`;
  return { label, brokers: k.bootstrapServers, security: k.security };
}

/** Where a reference points, for error messages (never the value). */
export function describeRef(ref: SecretRefSpec): string {
  if (ref.secretKeyRef) return `Secret ${ref.secretKeyRef.name} key ${ref.secretKeyRef.key}`;
  if (ref.env !== undefined) return `variable ${ref.env}`;
  return `file ${ref.file}`;
}

/** Reads a secret; `trim` drops the trailing newline `echo` and editors leave in password files. */
export function readSecret(ref: SecretRefSpec, field: string, label: string, trim: boolean): string {
  let value: string | undefined;
  try {
    if (ref.env !== undefined) value = process.env[ref.env];
    else {
      const path = ref.secretKeyRef
        ? secretKeyPath(ref.secretKeyRef, process.env.SABOT_SECRETS_DIR ?? SECRETS_DIR)
        : ref.file!;
      value = readFileSync(path, "utf8");
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConnectorConfigError(`${label}: ${field}: cannot read ${describeRef(ref)} (${e.code ?? e.message})`);
  }
  if (value === undefined)
    throw new ConnectorConfigError(`${label}: ${field}: ${describeRef(ref)} is not set in the worker's environment`);
  const out = trim ? value.trim() : value;
  if (out === "") throw new ConnectorConfigError(`${label}: ${field}: ${describeRef(ref)} is empty`);
  return out;
}

function tlsOptions(sec: KafkaSecurity, label: string): ConnectionOptions | true {
  const t = sec.tls;
  if (!t) return true;
  const opts: ConnectionOptions = {};
  if (t.caFrom) opts.ca = readSecret(t.caFrom, "tls.caFrom", label, false);
  if (t.certFrom) opts.cert = readSecret(t.certFrom, "tls.certFrom", label, false);
  if (t.keyFrom) opts.key = readSecret(t.keyFrom, "tls.keyFrom", label, false);
  return opts;
}

function saslOptions(sec: KafkaSecurity, label: string): SASLOptions {
  const s = sec.sasl!;
  if (s.mechanism === "OAUTHBEARER") {
    const tokenFrom = s.tokenFrom!;
    // Read at every (re)authentication, so a token file that a sidecar refreshes is followed.
    return {
      mechanism: "oauthbearer",
      oauthBearerProvider: async () => ({ value: readSecret(tokenFrom, "sasl.tokenFrom", label, true) }),
    };
  }
  const username = s.usernameFrom ? readSecret(s.usernameFrom, "sasl.usernameFrom", label, true) : s.username!;
  const password = readSecret(s.passwordFrom!, "sasl.passwordFrom", label, true);
  const mechanism =
    s.mechanism === "PLAIN" ? "plain" : s.mechanism === "SCRAM-SHA-256" ? "scram-sha-256" : "scram-sha-512";
  return { mechanism, username, password };
}

/** kafkajs' brokers, ssl and sasl options for a connection, with the secrets read now. */
export function kafkaClientOptions(conn: KafkaConnectionConfig): {
  brokers: string[];
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
} {
  const sec = conn.security;
  if (!sec || sec.protocol === "PLAINTEXT") return { brokers: conn.brokers };
  const tls = sec.protocol === "SSL" || sec.protocol === "SASL_SSL";
  const sasl = sec.protocol === "SASL_PLAINTEXT" || sec.protocol === "SASL_SSL";
  return {
    brokers: conn.brokers,
    ...(tls ? { ssl: tlsOptions(sec, conn.label) } : {}),
    ...(sasl ? { sasl: saslOptions(sec, conn.label) } : {}),
  };
}

/** kafkajs wraps the error that explains a failure (retries exhausted, non-retriable): all of them. */
function errorChain(err: Error): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 8; ) {
    chain.push(e);
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return chain;
}

/** What to check, by the kind of failure kafkajs reported. */
function hint(err: Error, conn: KafkaConnectionConfig): string {
  const sec = conn.security;
  const protocol = sec?.protocol ?? "PLAINTEXT";
  const chain = errorChain(err);
  const names = chain.map((e) => e.name);
  const text = chain.map((e) => e.message).join(" | ");
  if (names.includes("KafkaJSSASLAuthenticationError")) {
    const s = sec?.sasl;
    const who = s?.username === undefined ? "" : ` as "${s.username}"`;
    const where = s?.passwordFrom
      ? `the password in ${describeRef(s.passwordFrom)}`
      : s?.tokenFrom
        ? `the token in ${describeRef(s.tokenFrom)}`
        : "the credentials";
    return `SASL ${s?.mechanism ?? ""} authentication${who} was refused: check the user, ${where}, and that the brokers enable ${s?.mechanism ?? "this mechanism"}`;
  }
  if (/certificate|self.signed|SSL|TLS|handshake|altnames/i.test(text))
    return `the TLS handshake failed: check tls.caFrom (the CA that signed the brokers' certificates) and, where brokers require one, tls.certFrom/keyFrom`;
  if (names.includes("KafkaJSConnectionClosedError") || /closed|ECONNRESET|EPIPE/i.test(text))
    return `the brokers closed the connection: is security.protocol (${protocol}) the protocol of the listener at ${conn.brokers.join(",")}?`;
  return `check bootstrapServers and security.protocol (${protocol})`;
}

/** kafkajs' error, named with the connection and what to check. */
export function connectionError(err: unknown, conn: KafkaConnectionConfig): Error {
  if (err instanceof KafkaConnectionError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new KafkaConnectionError(`${conn.label}: ${hint(e, conn)} (${e.message})`, { cause: e });
}
