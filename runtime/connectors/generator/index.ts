import type { SourceSpec } from "../../contract/spec/schema.js";
import type { ConnectorEntry } from "../connector.js";
import { checkGeneratorSource, generatorConfig, kindGenerator } from "./config.js";
import { GeneratorSource } from "./source.js";

function generatorOf(spec: SourceSpec) {
  const config = generatorConfig(spec.generator!);
  const all = kindGenerator(config.kind, config.seed);
  const timeField = checkGeneratorSource(spec, all);
  const gen = config.columns ? kindGenerator(config.kind, config.seed, config.columns) : all;
  return { config, gen, timeField };
}

/** The generator connector: built-in synthetic streams (Nexmark, card transactions). */
export const generatorConnector: ConnectorEntry = {
  key: "generator",
  source: {
    streamInfo(spec) {
      const { gen, timeField } = generatorOf(spec);
      // Event time is opt-in, as for Kafka: windows need the source to declare `eventTime`.
      return { schema: gen.schema, timeField: spec.eventTime ? timeField : undefined };
    },
    create(spec, ctx) {
      const { config, gen, timeField } = generatorOf(spec);
      return new GeneratorSource(config, gen, timeField, ctx);
    },
  },
};
