import type { ConnectorEntry } from "../connector.js";
import { kafkaSinkConfig, kafkaSourceConfig, kafkaStreamInfo } from "./config.js";
import { RdkafkaSink } from "./rdkafka-sink.js";
import { RdkafkaSource } from "./rdkafka-source.js";
import { KafkaSink } from "./sink.js";
import { KafkaSource } from "./source.js";

/** The Kafka connector: topics as sources (streams or tables) and as sinks, on the configured client. */
export const kafkaConnector: ConnectorEntry = {
  key: "kafka",
  source: {
    streamInfo: kafkaStreamInfo,
    create: (spec, ctx) => {
      const config = kafkaSourceConfig(ctx.jobName, ctx.name, spec);
      return config.client === "librdkafka" ? new RdkafkaSource(config, ctx) : new KafkaSource(config, ctx);
    },
  },
  sink: {
    check: (spec, input) => void kafkaSinkConfig(spec.kafka!, input),
    create: (spec, input, ctx) => {
      const config = kafkaSinkConfig(spec.kafka!, input);
      return config.client === "librdkafka" ? new RdkafkaSink(config, input, ctx) : new KafkaSink(config, input, ctx);
    },
  },
};
