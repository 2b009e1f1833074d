import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, ConnectorEntry, Sink } from "../connector.js";
import {
  type KafkaSinkConfig,
  type KafkaSourceConfig,
  kafkaSinkConfig,
  kafkaSourceConfig,
  kafkaStreamInfo,
} from "./config.js";
import { NativeKafkaSink, nativeSinkUnsupported } from "./native-sink.js";
import { NativeKafkaSource, nativeUnsupported } from "./native-source.js";
import { RdkafkaSink } from "./rdkafka-sink.js";
import { RdkafkaSource } from "./rdkafka-source.js";
import { KafkaSink } from "./sink.js";
import { KafkaSource } from "./source.js";

/**
 * A source on the client the config names. `native` reads json streams; for other formats, tables
 * and dictionary columns it runs the librdkafka source and says so in the log.
 */
export function kafkaSource(config: KafkaSourceConfig, ctx: ConnectorContext): KafkaSource | RdkafkaSource {
  if (config.client === "native") {
    const why = nativeUnsupported(config);
    if (why === null) return new NativeKafkaSource(config, ctx);
    ctx.log.info({ topic: config.topic, reason: why }, "kafka client native: this source runs on librdkafka");
  }
  return config.client === "kafkajs" ? new KafkaSource(config, ctx) : new RdkafkaSource(config, ctx);
}

/**
 * A sink on the client the config names. `native` writes json at least once; exactly-once sinks
 * and other formats run on the librdkafka sink, and the log says so.
 */
export function kafkaSink(config: KafkaSinkConfig, input: StreamInfo, ctx: ConnectorContext): Sink {
  if (config.client === "native") {
    const why = nativeSinkUnsupported(config, input, ctx.exactlyOnce === true);
    if (why === null) return new NativeKafkaSink(config, input, ctx);
    ctx.log.info({ topic: config.topic, reason: why }, "kafka client native: this sink runs on librdkafka");
  }
  return config.client === "kafkajs" ? new KafkaSink(config, input, ctx) : new RdkafkaSink(config, input, ctx);
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
