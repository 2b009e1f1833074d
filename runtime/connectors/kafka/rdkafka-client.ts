import { createRequire } from "node:module";
import type { Logger } from "../../log.js";
import type { FetchedMessage } from "./client.js";
import type { Compression } from "./codecs.js";
import type { KafkaConsumer, Message, Producer, RdkafkaModule } from "./rdkafka-types.js";
import { describeRef, type KafkaConnectionConfig, KafkaConnectionError, readSecret } from "./security.js";

/**
 * The librdkafka client (`@confluentinc/kafka-javascript`). Its install downloads a prebuilt
 * binary or, offline, builds librdkafka from the sources it ships (see docs/kafka.md, "Building
 * the librdkafka client"). A machine where that build failed still installs: the package is then
 * present without its binary, and loading it throws. Jobs that choose this client load it when
 * their sources and sinks are made, at job start, and fail there with RdkafkaUnavailableError.
 */
export type { KafkaConsumer, Message, Producer, RdkafkaModule } from "./rdkafka-types.js";

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
  if (/SSL handshake|certificate/i.test(text))
    hint = `the TLS handshake failed: check tls.caFrom (the CA that signed the brokers' certificates) and, where brokers require one, tls.certFrom/keyFrom`;
  else if (/authenticat/i.test(text)) {
    const where = s?.passwordFrom
      ? `the password in ${describeRef(s.passwordFrom)}`
      : s?.tokenFrom
        ? `the token in ${describeRef(s.tokenFrom)}`
        : "the credentials";
    const who = s?.username === undefined ? "" : ` as "${s.username}"`;
    hint = `SASL ${s?.mechanism ?? ""} authentication${who} was refused: check the user, ${where}, and that the brokers enable ${s?.mechanism ?? "this mechanism"}`;
  } else if (/disconnect|closed|transport/i.test(text))
    hint = `the brokers closed the connection: is security.protocol (${protocol}) the protocol of the listener at ${conn.brokers.join(",")}?`;
  return new KafkaConnectionError(`${conn.label}: ${hint} (librdkafka: ${text})`, { cause: e });
}

/** A callback API as a promise. */
export function call<T = void>(f: (cb: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Failures librdkafka would retry forever, though no retry can fix them: give up at the first. */
const FATAL_AT_CONNECT = /SSL handshake|certificate|authenticat/i;

type Events = {
  connect(o: { timeout: number }, cb: (err: unknown) => void): void;
  on(ev: string, cb: (e: { message: string; severity?: number }) => void): void;
  removeListener(ev: string, cb: (e: { message: string; severity?: number }) => void): void;
};

/**
 * Connects a client. librdkafka reports TLS and SASL failures as error log lines and retries;
 * the first such line fails the connect at once, and a timeout's error carries the last one, so
 * the named error says what went wrong rather than only "transport failure".
 */
export async function connectClient(
  client: KafkaConsumer | Producer,
  conn: KafkaConnectionConfig,
  timeoutMs = 20_000,
): Promise<void> {
  const c = client as unknown as Events;
  let last = "";
  let watch: ((e: { message: string; severity?: number }) => void) | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      watch = (e) => {
        if (e.severity !== undefined && e.severity > 4) return;
        last = e.message;
        if (FATAL_AT_CONNECT.test(e.message)) reject(new Error(e.message));
      };
      c.on("event.error", watch);
      c.on("event.log", watch);
      c.connect({ timeout: timeoutMs }, (err) =>
        err ? reject(new Error(`${(err as Error).message}${last ? `; ${last}` : ""}`)) : resolve(),
      );
    });
  } catch (err) {
    throw rdkafkaConnectionError(err, conn);
  } finally {
    if (watch) {
      c.removeListener("event.error", watch);
      c.removeListener("event.log", watch);
    }
  }
}

/**
 * librdkafka's message in the shape the dead-letter topic and header checks take (the kafkajs
 * path's): offsets and timestamps as strings, headers as one record.
 */
export function asFetched(m: Message): FetchedMessage {
  let headers: FetchedMessage["headers"];
  if (m.headers && m.headers.length > 0) {
    headers = {};
    for (const h of m.headers) Object.assign(headers, h);
  }
  return {
    offset: String(m.offset),
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key)),
    value: m.value,
    timestamp: String(m.timestamp ?? -1),
    headers,
  };
}
