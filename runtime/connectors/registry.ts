import type { StreamInfo } from "../types/stream-info.js";
import type { SinkSpec, SourceSpec } from "../contract/spec/schema.js";
import type { ConnectorContext, Sink, Source } from "./connector.js";
import { ConnectorConfigError } from "./errors.js";
import { consoleConfig } from "./console/config.js";
import { ConsoleSink } from "./console/sink.js";
import { filesConfig } from "./files/config.js";
import { FilesSink } from "./files/sink.js";
import { checkGeneratorSource, generatorConfig, kindGenerator } from "./generator/config.js";
import { GeneratorSource } from "./generator/source.js";
import { kafkaSinkConfig, kafkaSourceConfig, kafkaStreamInfo } from "./kafka/config.js";
import { KafkaSink } from "./kafka/sink.js";
import { KafkaSource } from "./kafka/source.js";

/**
 * The one place that turns source and sink specs into connectors. Errors are ConnectorConfigErrors
 * naming the setting (`kafka.schema`); the planner prefixes the source's path.
 */

function oneOf<T extends object>(spec: T, kinds: (keyof T)[], what: string): keyof T {
  const set = kinds.filter((k) => spec[k] !== undefined);
  if (set.length !== 1)
    throw new ConnectorConfigError(`a ${what} needs exactly one of ${kinds.join(", ")}${set.length ? ` (got ${set.join(", ")})` : ""}`);
  return set[0];
}

/** Columns and event-time field of a source, for the planner; connects to nothing. */
export function sourceStreamInfo(name: string, spec: SourceSpec): StreamInfo {
  const kind = oneOf(spec, ["kafka", "generator"], `source ("${name}")`);
  if (kind === "kafka") return kafkaStreamInfo(spec);
  const config = generatorConfig(spec.generator!);
  const gen = kindGenerator(config.kind, config.seed);
  const timeField = checkGeneratorSource(spec, gen);
  // Event time is opt-in, as for Kafka: windows need the source to declare `eventTime`.
  return { schema: gen.schema, timeField: spec.eventTime ? timeField : undefined };
}

export function createSource(spec: SourceSpec, ctx: ConnectorContext): Source {
  const kind = oneOf(spec, ["kafka", "generator"], `source ("${ctx.name}")`);
  if (kind === "kafka") return new KafkaSource(kafkaSourceConfig(ctx.jobName, ctx.name, spec), ctx);
  const config = generatorConfig(spec.generator!);
  const gen = kindGenerator(config.kind, config.seed);
  return new GeneratorSource(config, gen, checkGeneratorSource(spec, gen), ctx);
}

export function createSink(spec: SinkSpec, input: StreamInfo, ctx: ConnectorContext): Sink {
  const kind = oneOf(spec, ["kafka", "files", "console"], `sink ("${ctx.name}")`);
  if (kind === "kafka") return new KafkaSink(kafkaSinkConfig(spec.kafka!, input), input, ctx);
  if (kind === "files") return new FilesSink(filesConfig(spec.files!), ctx);
  return new ConsoleSink(consoleConfig(spec.console!));
}

/** Checks a sink spec against its input without creating it (for the planner). */
export function checkSink(spec: SinkSpec, input: StreamInfo): void {
  const kind = oneOf(spec, ["kafka", "files", "console"], "sink");
  if (kind === "kafka") kafkaSinkConfig(spec.kafka!, input);
  else if (kind === "files") filesConfig(spec.files!);
  else consoleConfig(spec.console!);
}
