import { createRequire } from "node:module";
import type * as Rdkafka from "@confluentinc/kafka-javascript";
import type { Logger } from "../../log.js";
import type { Compression } from "./codecs.js";
import { type KafkaConnectionConfig, KafkaConnectionError, readSecret } from "./security.js";

/**
 * The librdkafka client (`@confluentinc/kafka-javascript`). Its install downloads a prebuilt
 * binary or, offline, builds librdkafka from the sources it ships (see docs/kafka.md, "Building
 * the librdkafka client"). A machine where that build failed still installs: the package is then
 * present without its binary, and loading it throws. Jobs that choose this client load it when
 * their sources and sinks are made, at job start, and fail there with RdkafkaUnavailableError.
 */
export type RdkafkaModule = typeof Rdkafka;
export type { KafkaConsumer, Message, Producer } from "@confluentinc/kafka-javascript";

/** The job chose client librdkafka but its binary is missing or does not load. */
export class RdkafkaUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `kafka client "librdkafka" is not available on this machine: @confluentinc/kafka-javascript did not build or does not load ` +
        `(${(cause as Error).message?.split("\n")[0] ?? String(cause)}). Install libssl-dev zlib1g-dev libzstd-dev liblz4-dev ` +
        `libsasl2-dev libcurl4-openssl-dev and rerun npm ci (see docs/kafka.md), or set SABOT_KAFKA_CLIENT=kafkajs`,
      { cause },
    );
    this.name = "RdkafkaUnavailableError";
  }
}

let loaded: RdkafkaModule | Error | null = null;

/** The binding, loaded once; throws RdkafkaUnavailableError when it cannot load. */
export function rdkafka(): RdkafkaModule {
  if (loaded === null) {
    try {
      loaded = createRequire(import.meta.url)("@confluentinc/kafka-javascript") as RdkafkaModule;
    } catch (err) {
      loaded = new RdkafkaUnavailableError(err);
    }
  }
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

type Conf = Record<string, string | number | boolean | ((...args: never[]) => unknown)>;

/** OAUTHBEARER: the token file is read at every refresh, so a sidecar's renewals are followed. */
function oauthConf(tokenFrom: Parameters<typeof readSecret>[0], label: string): Conf {
  return {
    oauthbearer_token_refresh_cb: async () => ({
      tokenValue: readSecret(tokenFrom, "sasl.tokenFrom", label, true),
      // librdkafka refreshes at 80% of the lifetime; the token's own expiry is the broker's concern.
      lifetime: Date.now() + 10 * 60_000,
      principal: "",
    }),
  };
}

/**
 * librdkafka properties for a connection, with the secrets read now (the same Secrets the kafkajs
 * path reads; see security.ts): the config object goes straight to the client and is never logged.
 */
export function rdkafkaConnectionConf(conn: KafkaConnectionConfig): Conf {
  const sec = conn.security;
  const conf: Conf = { "bootstrap.servers": conn.brokers.join(","), "client.dns.lookup": "use_all_dns_ips" };
  if (!sec || sec.protocol === "PLAINTEXT") return conf;
  conf["security.protocol"] = sec.protocol.toLowerCase();
  const t = sec.tls;
  if (t?.caFrom) conf["ssl.ca.pem"] = readSecret(t.caFrom, "tls.caFrom", conn.label, false);
  if (t?.certFrom) conf["ssl.certificate.pem"] = readSecret(t.certFrom, "tls.certFrom", conn.label, false);
  if (t?.keyFrom) conf["ssl.key.pem"] = readSecret(t.keyFrom, "tls.keyFrom", conn.label, false);
  const s = sec.sasl;
  if (s && (sec.protocol === "SASL_PLAINTEXT" || sec.protocol === "SASL_SSL")) {
    conf["sasl.mechanisms"] = s.mechanism;
    if (s.mechanism === "OAUTHBEARER") return { ...conf, ...oauthConf(s.tokenFrom!, conn.label) };
    conf["sasl.username"] = s.usernameFrom
      ? readSecret(s.usernameFrom, "sasl.usernameFrom", conn.label, true)
      : s.username!;
    conf["sasl.password"] = readSecret(s.passwordFrom!, "sasl.passwordFrom", conn.label, true);
  }
  return conf;
}

/** librdkafka's codec names are the sink option's. */
export function rdkafkaCompression(c: Compression): string {
  return c;
}

/** librdkafka's log lines (warnings and up) go to the job's logger. */
export function forwardLogs(
  client: { on(ev: "event.log", cb: (e: { severity: number; fac: string; message: string }) => void): unknown },
  log: Logger,
): void {
  client.on("event.log", (e) => {
    // syslog severities: 0-3 error, 4 warning, the rest debug.
    if (e.severity <= 3) log.error({ librdkafka: e.fac }, e.message);
    else if (e.severity === 4) log.warn({ librdkafka: e.fac }, e.message);
    else log.debug({ librdkafka: e.fac }, e.message);
  });
}

/** A failed connect names the connection and what to check, as the kafkajs path does. */
export function rdkafkaConnectionError(err: unknown, conn: KafkaConnectionConfig): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const text = e.message;
  const protocol = conn.security?.protocol ?? "PLAINTEXT";
  const s = conn.security?.sasl;
  let hint = `check bootstrapServers and security.protocol (${protocol})`;
  if (/authenticat|SASL/i.test(text))
    hint = `SASL ${s?.mechanism ?? ""} authentication${s?.username === undefined ? "" : ` as "${s.username}"`} was refused: check the user, the password or token Secret, and that the brokers enable ${s?.mechanism ?? "this mechanism"}`;
  else if (/certificate|SSL|TLS|handshake/i.test(text))
    hint = `the TLS handshake failed: check tls.caFrom (the CA that signed the brokers' certificates) and, where brokers require one, tls.certFrom/keyFrom`;
  else if (/disconnect|closed|transport/i.test(text))
    hint = `the brokers closed the connection: is security.protocol (${protocol}) the protocol of the listener at ${conn.brokers.join(",")}?`;
  return new KafkaConnectionError(`${conn.label}: ${hint} (librdkafka: ${text})`, { cause: e });
}

/** A callback API as a promise. */
export function call<T = void>(f: (cb: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value as T))));
}

/**
 * Connects a client, failing with a named error on the first fatal or auth error librdkafka
 * reports while connecting (it would otherwise retry forever and the connect time out).
 */
export async function connectClient(
  client: Rdkafka.KafkaConsumer | Rdkafka.Producer,
  conn: KafkaConnectionConfig,
  timeoutMs = 20_000,
): Promise<void> {
  const c = client as unknown as {
    connect(o: { timeout: number }, cb: (err: unknown) => void): void;
    on(ev: "event.error", cb: (e: Error) => void): void;
    removeListener(ev: "event.error", cb: (e: Error) => void): void;
  };
  let onError: ((e: Error) => void) | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      onError = (e: Error) => {
        if (/authenticat|SSL|certificate|handshake|SASL|disconnected/i.test(e.message)) reject(e);
      };
      c.on("event.error", onError);
      c.connect({ timeout: timeoutMs }, (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    throw rdkafkaConnectionError(err, conn);
  } finally {
    if (onError) c.removeListener("event.error", onError);
  }
}
