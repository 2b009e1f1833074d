import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, ConnectorEntry, Sink } from "../connector.js";
import {
  type KafkaSinkConfig,
  type KafkaSourceConfig,
  kafkaSinkConfig,
  kafkaSourceConfig,
  kafkaStreamInfo,
} from "./config.js";
import { RdkafkaSink } from "./rdkafka-sink.js";
import { RdkafkaSource } from "./rdkafka-source.js";
import { KafkaSink } from "./sink.js";
import { KafkaSource } from "./source.js";

/** A source on the client the config names. */
export function kafkaSource(config: KafkaSourceConfig, ctx: ConnectorContext): KafkaSource | RdkafkaSource {
  return config.client === "librdkafka" ? new RdkafkaSource(config, ctx) : new KafkaSource(config, ctx);
}

/** A sink on the client the config names. */
export function kafkaSink(config: KafkaSinkConfig, input: StreamInfo, ctx: ConnectorContext): Sink {
  return config.client === "librdkafka" ? new RdkafkaSink(config, input, ctx) : new KafkaSink(config, input, ctx);
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
