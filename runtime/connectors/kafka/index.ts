import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, ConnectorEntry, Sink } from "../connector.js";
import { chooseKafkaClient } from "./client-choice.js";
import {
  type KafkaClientKind,
  type KafkaSinkConfig,
  type KafkaSourceConfig,
  kafkaSinkConfig,
  kafkaSourceConfig,
  kafkaStreamInfo,
} from "./config.js";
import { nativeKafka } from "./native-addon.js";
import { NativeKafkaSink, nativeSinkUnsupported } from "./native-sink.js";
import { NativeKafkaSource, nativeUnsupported } from "./native-source.js";
import { rdkafka } from "./rdkafka-client.js";
import { RdkafkaSink } from "./rdkafka-sink.js";
import { RdkafkaSource } from "./rdkafka-source.js";
import { KafkaSink } from "./sink.js";
import { KafkaSource } from "./source.js";

/** Why a client does not load here (its error says what to install); null when it loads. Loads are cached. */
function whyMissing(load: () => unknown): string | null {
  try {
    load();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const said = new Set<string>();

/** The client of one source or sink, said once per source or sink and process (every subtask makes one). */
function pick(
  role: "source" | "sink",
  config: { client: KafkaClientKind | null; format: string; topic: string },
  nativeWhy: () => string | null,
  ctx: ConnectorContext,
) {
  const { client: explicit, format, topic } = config;
  const unsupported = nativeWhy();
  const choice = chooseKafkaClient({
    role,
    format,
    explicit,
    nativeUnsupported: unsupported,
    missing: {
      // Only probed for a default: an explicit choice loads its own client and fails at start if it cannot.
      native: explicit === null && unsupported === null ? whyMissing(nativeKafka) : null,
      librdkafka: explicit === null ? whyMissing(rdkafka) : null,
    },
  });
  const key = `${ctx.jobName}\0${role}\0${ctx.name}`;
  if (!said.has(key)) {
    said.add(key);
    const fields = { topic, client: choice.client };
    ctx.log.info(fields, `kafka ${role} ${ctx.name}: client ${choice.client} (${choice.reason})`);
    if (choice.warning) ctx.log.warn(fields, `kafka ${role} ${ctx.name}: ${choice.warning}`);
  }
  return choice.client;
}

/** A source on the client the config names, or on the default for it (client-choice.ts). */
export function kafkaSource(config: KafkaSourceConfig, ctx: ConnectorContext): KafkaSource | RdkafkaSource {
  const client = pick("source", config, () => nativeUnsupported(config), ctx);
  if (client === "native") return new NativeKafkaSource(config, ctx);
  return client === "kafkajs" ? new KafkaSource(config, ctx) : new RdkafkaSource(config, ctx);
}

/** A sink on the client the config names, or on the default for it (client-choice.ts). */
export function kafkaSink(config: KafkaSinkConfig, input: StreamInfo, ctx: ConnectorContext): Sink {
  const nativeWhy = () => nativeSinkUnsupported(config, input, ctx.exactlyOnce === true);
  const client = pick("sink", config, nativeWhy, ctx);
  if (client === "native") return new NativeKafkaSink(config, input, ctx);
  return client === "kafkajs" ? new KafkaSink(config, input, ctx) : new RdkafkaSink(config, input, ctx);
}

/** The Kafka connector: topics as sources (streams or tables) and as sinks, on the configured client. */
export const kafkaConnector: ConnectorEntry = {
  key: "kafka",
  source: {
    streamInfo: kafkaStreamInfo,
    create: (spec, ctx) => kafkaSource(kafkaSourceConfig(ctx.jobName, ctx.name, spec), ctx),
  },
  sink: {
    check: (spec, input) => void kafkaSinkConfig(spec.kafka!, input),
    create: (spec, input, ctx) => kafkaSink(kafkaSinkConfig(spec.kafka!, input), input, ctx),
  },
};
