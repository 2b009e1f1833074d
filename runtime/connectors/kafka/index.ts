import type { ConnectorEntry } from "../connector.js";
import { kafkaSinkConfig, kafkaSourceConfig, kafkaStreamInfo } from "./config.js";
import { KafkaSink } from "./sink.js";
import { KafkaSource } from "./source.js";

/** The Kafka connector: topics as sources (streams or tables) and as sinks. */
export const kafkaConnector: ConnectorEntry = {
  key: "kafka",
  source: {
    streamInfo: kafkaStreamInfo,
    create: (spec, ctx) => new KafkaSource(kafkaSourceConfig(ctx.jobName, ctx.name, spec), ctx),
  },
  sink: {
    check: (spec, input) => void kafkaSinkConfig(spec.kafka!, input),
    create: (spec, input, ctx) => new KafkaSink(kafkaSinkConfig(spec.kafka!, input), input, ctx),
  },
};
