import type { KafkaClientKind } from "./config.js";

/**
 * Which client runs a Kafka source or sink. An explicit choice (the source's or sink's
 * `kafka.client`, else the worker's SABOT_KAFKA_CLIENT) always wins, and a chosen client that did
 * not build fails at start. Without one, the fastest client that is there: native for what
 * sabot_kafka.node handles (json, avro and arrow sources, at-least-once json, avro and arrow sinks:
 * json q1 at 542 K events per CPU-second against librdkafka's 111 K and kafkajs' 98 K; arrow at
 * least as fast as on librdkafka, docs/kafka.md), librdkafka for the rest (tables, exactly-once
 * sinks), kafkajs where neither built. A default that
 * falls back because a client did not build says so (warning), so a job never runs on a slower
 * client without the log saying what to install.
 */

export interface ClientChoiceInput {
  role: "source" | "sink";
  /** The source's or sink's format (json, avro, arrow), for the log line. */
  format: string;
  /** kafka.client, else SABOT_KAFKA_CLIENT; null when neither is set. */
  explicit: KafkaClientKind | null;
  /** Why sabot_kafka.node cannot run this source or sink (format, table, exactly-once, column type); null when it can. */
  nativeUnsupported: string | null;
  /** Why each client does not load on this machine (what to install); null when it loads. */
  missing: { native: string | null; librdkafka: string | null };
}

export interface ClientChoice {
  client: KafkaClientKind;
  /** Said once at start, at info level. */
  reason: string;
  /** A default fell back because a client did not build: said at warn level, with what to install. */
  warning: string | null;
}

const TO_CHOOSE = "SABOT_KAFKA_CLIENT or kafka.client to choose";

export function chooseKafkaClient(input: ClientChoiceInput): ClientChoice {
  if (input.explicit !== null) return explicitChoice(input.explicit, input);
  const { format, missing, nativeUnsupported } = input;
  if (nativeUnsupported !== null) return fallBack(missing, `default for ${nativeUnsupported}`, []);
  if (missing.native === null)
    return { client: "native", reason: `default for ${format}; ${TO_CHOOSE}`, warning: null };
  return fallBack(missing, `default for ${format} is native, which did not load`, [missing.native]);
}

function explicitChoice(explicit: KafkaClientKind, { nativeUnsupported, role }: ClientChoiceInput): ClientChoice {
  if (explicit === "native" && nativeUnsupported !== null)
    return {
      client: "librdkafka",
      reason: `native was chosen, but for ${nativeUnsupported} this ${role} runs on librdkafka`,
      warning: null,
    };
  return { client: explicit, reason: "chosen by kafka.client or SABOT_KAFKA_CLIENT", warning: null };
}

/**
 * librdkafka when it loads, else kafkajs. `passedOver` holds why faster clients did not load
 * (their errors say what to install); any of them makes the choice a warning.
 */
function fallBack(missing: ClientChoiceInput["missing"], why: string, passedOver: string[]): ClientChoice {
  const notLoaded = missing.librdkafka === null ? passedOver : [...passedOver, missing.librdkafka];
  const client = missing.librdkafka === null ? "librdkafka" : "kafkajs";
  const reason = client === "librdkafka" ? why : `${why}; librdkafka did not load either`;
  return {
    client,
    reason: `${reason}; ${TO_CHOOSE}`,
    warning: notLoaded.length === 0 ? null : `running on ${client}, slower than the default: ${notLoaded.join("; ")}`,
  };
}
